"""`vmrestore`: start, watch, cancel, approve, reject and list restores through the HTTP API (local or deployed);
`vmrestore plan …` does the same for restore plans (`vmrestore/plans.py`).
`vmrestore drill ...` for restore drills (vmrestore/drills.py).

Exit codes: 0 started/succeeded/ok, 1 the restore failed, 2 usage error, 3 the restore was cancelled,
4 the API refused or could not be reached.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from vmrestore import drills, plans, render
from vmrestore.api import Api, ApiError
from vmrestore.common import (
    EXIT_API,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    FINAL_EXIT,
    UsageError,
    poll_delay,
    print_json,
    refused,
)

DEFAULT_URL = "http://127.0.0.1:7071"
# --flag → request field, for `start`.
_START_FIELDS = {
    "vm": "vmId", "protected_item": "protectedItemId", "recovery_point": "recoveryPointId",
    "policy": "recoveryPointPolicy", "before": "before", "max_age": "maxAge", "mode": "mode",
    "storage_account": "storageAccountId", "target_rg": "targetResourceGroupId", "target_vm_name": "targetVmName",
    "target_vnet": "targetVnetId", "target_subnet": "targetSubnetId", "target_subscription": "targetSubscriptionId",
    "disk_encryption_set": "diskEncryptionSetId", "restore_identity": "restoreIdentityId",
    "callback_url": "callbackUrl", "reason": "reason",
}


def progress_line(body: dict[str, Any]) -> str:
    """One status line: id, status, phase, a bar and the job percentage (drawn by `rich`, as plain text)."""
    return render.as_text(render.restore_row(body))


def _read_file(name: str) -> dict[str, Any]:
    """Raises: UsageError for a file that cannot be read or is not a JSON object."""
    try:
        body = json.loads(Path(name).read_text())
    except OSError as exc:
        raise UsageError(f"--file {name}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--file {name}: not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise UsageError(f"--file {name}: not a JSON object")
    return body


def start_body(args: argparse.Namespace) -> dict[str, Any]:
    """The request body from `--file` and the flags (flags win)."""
    body: dict[str, Any] = _read_file(args.file) if args.file else {}
    for attr, name in _START_FIELDS.items():
        if getattr(args, attr, None) is not None:
            body[name] = getattr(args, attr)
    if args.cross_region:
        body["crossRegion"] = True
    if args.os_disk_only:
        body["osDiskOnly"] = True
    if args.disk_lun:
        body["diskLuns"] = args.disk_lun
    if args.zone:
        body["zones"] = [args.zone]
    return body


def cmd_start(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else {}
    response = api.call("POST", "/api/restores", json=start_body(args), headers=headers)
    if response.status_code not in (200, 202):
        return refused(response, err)
    body = response.json()
    if not args.watch:
        print_json(body, out)
        return EXIT_OK
    return watch(api, body["id"], out, args.interval)


def watch(api: Api, instance_id: str, out: TextIO, interval: float | None = None) -> int:
    """Poll until the restore ends, redrawing its progress row; the exit code says how it ended."""
    screen = render.Screen(out)
    try:
        while True:
            response = api.call("GET", f"/api/restores/{instance_id}")
            if response.status_code not in (200, 202, 409, 422):
                return refused(response, sys.stderr)
            body = response.json()
            screen.show(render.restore_row(body))
            if response.status_code != 202:
                screen.close()
                _print_final(body, out)
                return FINAL_EXIT.get(str(body.get("status")), EXIT_FAILED)
            time.sleep(poll_delay(response, interval))
    finally:
        screen.close()


def _print_final(body: dict[str, Any], out: TextIO) -> None:
    error = body.get("error")
    if error:
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
        out.write(f"{body.get('status')}: {code}\n  {without_code(message, code)}\n")
        for hint in error.get("recommendations") or []:
            out.write(f"  - {hint}\n")
    elif body.get("result"):
        out.write("succeeded: " + json.dumps(body["result"]) + "\n")


def without_code(message: str, code: str) -> str:
    """The message without a leading copy of its error code (services often start messages with it)."""
    if code and message.lower().startswith(code.lower()):
        return message[len(code):].lstrip(" :-") or message
    return message


def event_restore_id(topic: str, event_id: str) -> str:
    """The restore an Event Grid event started: `evt-` + the first 40 hex digits of SHA-256 of
    `eventgrid␟{topic, lower case}␟{event ID}` (docs/api.md, "Event Grid"; restore/contract.py makes the same)."""
    digest = hashlib.sha256("\x1f".join(["eventgrid", topic.lower(), event_id]).encode()).hexdigest()
    return f"evt-{digest[:40]}"


def _status_id(args: argparse.Namespace) -> str:
    """Raises: UsageError unless exactly one of ID and --event-id (with --topic) is given."""
    if args.event_id is not None:
        if args.id is not None or not args.topic:
            raise UsageError("give either ID, or --event-id with --topic (the event's topic or CloudEvents source)")
        return event_restore_id(args.topic, args.event_id)
    if args.id is None:
        raise UsageError("give a restore ID, or --event-id and --topic")
    return str(args.id)


def cmd_status(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    restore_id = _status_id(args)
    if args.watch:
        return watch(api, restore_id, out, args.interval)
    response = api.call("GET", f"/api/restores/{restore_id}")
    if response.status_code not in (200, 202, 409, 422):
        return refused(response, err)
    body = response.json()
    print_json(body, out)
    return EXIT_OK if response.status_code == 202 else FINAL_EXIT.get(str(body.get("status")), EXIT_FAILED)


def cmd_cancel(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    response = api.call("POST", f"/api/restores/{args.id}/cancel", json={"reason": args.reason} if args.reason else {})
    if response.status_code != 202:
        return refused(response, err)
    out.write(f"cancel requested for {args.id}\n")
    return EXIT_OK


def cmd_decide(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`approve` / `reject` a restore that waits for approval (recorded with `--by` and `--reason`)."""
    if not args.by:
        err.write("error: --by is required (or set VMRESTORE_BY)\n")
        return EXIT_USAGE
    body = {"by": args.by, **({"reason": args.reason} if args.reason else {})}
    response = api.call("POST", f"/api/restores/{args.id}/{args.command}", json=body)
    if response.status_code != 202:
        return refused(response, err)
    out.write(f"{args.command} sent for {args.id} by {args.by}\n")
    return EXIT_OK


def cmd_list(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    params = {k: v for k, v in {"status": args.status, "createdAfter": args.created_after, "top": args.top}.items()
              if v is not None}
    response = api.call("GET", "/api/restores", params=params)
    if response.status_code != 200:
        return refused(response, err)
    body = response.json()
    if args.json:
        print_json(body, out)
        return EXIT_OK
    for item in body.get("items", []):
        out.write(f"{item.get('createdAt', ''):<34} {item.get('source') or '-':<9} {progress_line(item)}\n")
    return EXIT_OK


def _start_parser(sub: Any) -> None:
    start = sub.add_parser("start", help="start a restore")
    start.add_argument("--file", help="JSON request file (e.g. examples/restore-disks.json); flags override it")
    for attr in _START_FIELDS:
        start.add_argument("--" + attr.replace("_", "-"), dest=attr)
    start.add_argument("--cross-region", action="store_true")
    start.add_argument("--os-disk-only", action="store_true")
    start.add_argument("--disk-lun", type=int, action="append", help="repeat for several LUNs")
    start.add_argument("--zone")
    start.add_argument("--idempotency-key")
    start.add_argument("--watch", action="store_true", help="follow the restore until it ends")
    start.add_argument("--interval", type=float, help="poll at most this often (seconds)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vmrestore", description="Restore Azure VMs through the restore API.")
    root.add_argument("--url", default=os.environ.get("VMRESTORE_URL", DEFAULT_URL), help="API base URL")
    root.add_argument("--key", default=os.environ.get("VMRESTORE_KEY"),
                      help="function key (default: $VMRESTORE_KEY), sent as x-functions-key")
    sub = root.add_subparsers(dest="command", required=True)
    _start_parser(sub)
    status = sub.add_parser("status", help="show a restore")
    status.add_argument("id", nargs="?", help="restore ID (or find it from an Event Grid event: --event-id)")
    status.add_argument("--event-id", help="the ID of the Event Grid event that started the restore")
    status.add_argument("--topic", help="with --event-id: the event's topic (CloudEvents: source)")
    status.add_argument("--watch", action="store_true", help="live progress until the restore ends")
    status.add_argument("--interval", type=float, help="poll at most this often (seconds)")
    cancel = sub.add_parser("cancel", help="cancel a running restore")
    cancel.add_argument("id")
    cancel.add_argument("--reason")
    for verb, text in (("approve", "approve a restore that waits for approval"),
                       ("reject", "reject a restore that waits for approval (it ends cancelled)")):
        decide = sub.add_parser(verb, help=text)
        decide.add_argument("id")
        decide.add_argument("--by", default=os.environ.get("VMRESTORE_BY"), help="who decides (default: $VMRESTORE_BY)")
        decide.add_argument("--reason")
    listing = sub.add_parser("list", help="list restores, newest first")
    listing.add_argument("--status", help="running, succeeded, failed, cancelled (comma-separated)")
    listing.add_argument("--created-after")
    listing.add_argument("--top", type=int)
    listing.add_argument("--json", action="store_true")
    plans.add_parser(sub)
    drills.add_parser(sub)
    return root


_COMMANDS = {"start": cmd_start, "status": cmd_status, "cancel": cmd_cancel, "approve": cmd_decide,
             "reject": cmd_decide, "list": cmd_list, "plan": plans.run,
             "drill": drills.cmd_drill}


def main(argv: Sequence[str] | None = None) -> int:
    """The console script."""
    args = parser().parse_args(argv)
    api = Api(args.url, args.key)
    try:
        return _COMMANDS[args.command](api, args, sys.stdout, sys.stderr)
    except ApiError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_API
    except UsageError as exc:
        sys.stderr.write(f"vmrestore: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
