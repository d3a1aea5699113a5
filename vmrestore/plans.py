"""`vmrestore plan …`: start a restore plan from a YAML or JSON file, watch it as a live table, cancel, approve,
reject, list.

Exit codes as for restores (`vmrestore.common`): 0 started / succeeded, 1 the plan failed, 3 cancelled, 4 the API
refused or could not be reached, 2 a usage error (a plan file that cannot be read).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from vmrestore import render
from vmrestore.api import Api
from vmrestore.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, FINAL_EXIT, UsageError, poll_delay, print_json, refused

_FINAL = (200, 409, 422)  # a plan that ended: succeeded, cancelled, failed (202 while it runs)


def read_plan_file(name: str) -> dict[str, Any]:
    """The plan body of a `.json` file, or of a YAML one (`.yaml`, `.yml`).

    Raises: UsageError for a file that cannot be read or is not a mapping.
    """
    path = Path(name)
    try:
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"{name}: {exc.strerror or exc}") from None
    try:
        body = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except ValueError as exc:
        raise UsageError(f"{name}: not JSON ({exc})") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{name}: not YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(body, dict):
        raise UsageError(f"{name}: the plan must be a mapping (an object), not {type(body).__name__}")
    return body


def start_body(args: argparse.Namespace) -> dict[str, Any]:
    body = read_plan_file(args.file)
    if args.dry_run:
        body["dryRun"] = True
    return body


def cmd_start(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else {}
    response = api.call("POST", "/api/plans", json=start_body(args), headers=headers)
    if response.status_code not in (200, 202):
        return refused(response, err)
    body = response.json()
    if args.watch:
        return watch(api, str(body["id"]), out, err, args.interval)
    if args.dry_run:  # a dry run is its report: wait for it and show what would happen
        return wait_and_show(api, str(body["id"]), out, err, args.interval)
    print_json(body, out)
    return EXIT_OK


def _get(api: Api, plan_id: str) -> Any:
    return api.call("GET", f"/api/plans/{plan_id}")


def watch(api: Api, plan_id: str, out: TextIO, err: TextIO, interval: float | None) -> int:
    """Redraw the plan's table until it ends; the exit code says how it ended."""
    screen = render.Screen(out)
    names: dict[int, str] = {}
    try:
        while True:
            response = _get(api, plan_id)
            if response.status_code not in (202, *_FINAL):
                return refused(response, err)
            body = remember_names(response.json(), names)
            screen.show(render.plan_frame(body, datetime.now(UTC)))
            if response.status_code != 202:
                screen.close()
                return _final(body, out)
            time.sleep(poll_delay(response, interval))
    finally:
        screen.close()


def remember_names(body: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """The body with each VM's ID filled from earlier polls (a running plan names only the VMs running now)."""
    vms = body.get("vms") or []
    names.update({vm["index"]: vm["vmId"] for vm in vms if vm.get("vmId") and isinstance(vm.get("index"), int)})
    return {**body, "vms": [{**vm, "vmId": vm.get("vmId") or names.get(vm.get("index", -1))} for vm in vms]}


def wait_and_show(api: Api, plan_id: str, out: TextIO, err: TextIO, interval: float | None) -> int:
    while True:
        response = _get(api, plan_id)
        if response.status_code not in (202, *_FINAL):
            return refused(response, err)
        if response.status_code != 202:
            body = response.json()
            render.console_for(out).print(render.plan_frame(body, datetime.now(UTC)))
            return _final(body, out)
        time.sleep(poll_delay(response, interval))


def _final(body: dict[str, Any], out: TextIO) -> int:
    """The plan's end in words: its error, each problem and failure (code, message, recommendations)."""
    lines = [f"{body.get('status')}: plan {body.get('id')}" + (" (dry run)" if body.get("dryRun") else "")]
    error = body.get("error") or {}
    if error:
        lines.append(f"  {error.get('code')}: {error.get('message')}")
    lines += [f"  - {p.get('field')}: {p.get('reason')}" for p in body.get("problems") or []]
    summary = body.get("summary") or {}
    for vm in summary.get("failures") or []:
        vm_error = vm.get("error") or {}
        lines.append(f"  - #{vm.get('index')} {vm.get('vmId')}: {vm_error.get('code')}: {vm_error.get('message')}")
        lines += [f"      {hint}" for hint in vm_error.get("recommendations") or []]
    if summary.get("totalSeconds") is not None:
        lines.append(f"  total recovery time {summary['totalSeconds']:.0f} s")
    out.write("\n".join(lines) + "\n")
    return FINAL_EXIT.get(str(body.get("status")), EXIT_FAILED)


def cmd_status(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.watch:
        return watch(api, args.id, out, err, args.interval)
    response = _get(api, args.id)
    if response.status_code not in (202, *_FINAL):
        return refused(response, err)
    body = response.json()
    print_json(body, out)
    return EXIT_OK if response.status_code == 202 else FINAL_EXIT.get(str(body.get("status")), EXIT_FAILED)


def cmd_cancel(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    response = api.call("POST", f"/api/plans/{args.id}/cancel")
    if response.status_code != 202:
        return refused(response, err)
    out.write(f"cancel requested for plan {args.id}\n")
    return EXIT_OK


def cmd_list(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    params = {k: v for k, v in {"status": args.status, "createdAfter": args.created_after, "top": args.top}.items()
              if v is not None}
    response = api.call("GET", "/api/plans", params=params)
    if response.status_code != 200:
        return refused(response, err)
    body = response.json()
    if args.json:
        print_json(body, out)
        return EXIT_OK
    now = datetime.now(UTC)
    for item in body.get("items", []):
        out.write(f"{item.get('createdAt', ''):<34} {render.as_text(render.plan_bar(item, now))}\n")
    return EXIT_OK


def cmd_decide(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`plan approve` / `plan reject` a plan that waits for approval (recorded with `--by` and `--reason`)."""
    if not args.by:
        err.write("error: --by is required (or set VMRESTORE_BY)\n")
        return EXIT_USAGE
    body = {"by": args.by, **({"reason": args.reason} if args.reason else {})}
    response = api.call("POST", f"/api/plans/{args.id}/{args.plan_command}", json=body)
    if response.status_code != 202:
        return refused(response, err)
    out.write(f"{args.plan_command} sent for plan {args.id} by {args.by}\n")
    return EXIT_OK


COMMANDS = {"start": cmd_start, "status": cmd_status, "cancel": cmd_cancel, "list": cmd_list,
            "approve": cmd_decide, "reject": cmd_decide}


def run(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return COMMANDS[args.plan_command](api, args, out, err)


def add_parser(sub: Any) -> None:
    """`vmrestore plan start|status|cancel|approve|reject|list`."""
    plan = sub.add_parser("plan", help="restore plans: many VMs, in groups, in order")
    verbs = plan.add_subparsers(dest="plan_command", required=True)
    start = verbs.add_parser("start", help="start a plan from a YAML or JSON file (examples/plans/)")
    start.add_argument("file", help="the plan (.yaml, .yml or .json)")
    start.add_argument("--dry-run", action="store_true",
                       help="resolve, choose points and validate every VM; trigger nothing; show the report")
    start.add_argument("--watch", action="store_true", help="live table until the plan ends")
    start.add_argument("--idempotency-key")
    start.add_argument("--interval", type=float, help="poll at most this often (seconds)")
    status = verbs.add_parser("status", help="show a plan")
    status.add_argument("id")
    status.add_argument("--watch", action="store_true", help="live table until the plan ends")
    status.add_argument("--interval", type=float, help="poll at most this often (seconds)")
    cancel = verbs.add_parser("cancel", help="cancel every running restore of the plan and start no more")
    cancel.add_argument("id")
    for verb, text in (("approve", "approve a plan that waits for approval (its restores start)"),
                       ("reject", "reject a plan that waits for approval (it ends cancelled)")):
        decide = verbs.add_parser(verb, help=text)
        decide.add_argument("id")
        decide.add_argument("--by", default=os.environ.get("VMRESTORE_BY"), help="who decides (default: $VMRESTORE_BY)")
        decide.add_argument("--reason")
    listing = verbs.add_parser("list", help="list plans, newest first")
    listing.add_argument("--status", help="running, succeeded, failed, cancelled (comma-separated)")
    listing.add_argument("--created-after")
    listing.add_argument("--top", type=int)
    listing.add_argument("--json", action="store_true")
