"""`vmrestore drill list | run NAME [--watch] | runs NAME | show RUN_ID`: restore drills through the HTTP API.

Exit codes as for restores: 0 ok / the run passed, 1 the run failed, 4 the API refused or could not be reached.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, TextIO

from vmrestore import common
from vmrestore.api import Api

WATCH_SECONDS = 5.0


def add_parser(sub: Any) -> None:
    drill = sub.add_parser("drill", help="restore drills: list, run, runs, show")
    verbs = drill.add_subparsers(dest="drill_command", required=True)
    verbs.add_parser("list", help="the drills, their next run and last result").add_argument("--json",
                                                                                          action="store_true")
    run = verbs.add_parser("run", help="start a run of a drill now")
    run.add_argument("name")
    run.add_argument("--watch", action="store_true", help="follow the run until it ends")
    run.add_argument("--interval", type=float, default=WATCH_SECONDS, help="seconds between polls")
    runs = verbs.add_parser("runs", help="the runs of a drill, newest first")
    runs.add_argument("name")
    show = verbs.add_parser("show", help="one run: per VM the point used, its age, the restore time, validation")
    show.add_argument("run_id")
    show.add_argument("--json", action="store_true")


def cmd_drill(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    command = args.drill_command
    if command == "list":
        return _list(api, args, out, err)
    if command == "run":
        response = api.call("POST", f"/api/drills/{args.name}/run")
        if response.status_code != 202:
            return common.refused(response, err)
        run_id = response.json()["id"]
        if not args.watch:
            out.write(f"{run_id}\n")
            return common.EXIT_OK
        return _watch(api, run_id, args.interval, out, err)
    if command == "runs":
        response = api.call("GET", f"/api/drills/{args.name}/runs")
        if response.status_code != 200:
            return common.refused(response, err)
        for run in response.json()["runs"]:
            out.write(f"{run['id']:<44} {run.get('runtimeStatus') or '-':<10} {run.get('createdTime') or ''}\n")
        return common.EXIT_OK
    response = api.call("GET", f"/api/drills/runs/{args.run_id}")
    if response.status_code != 200:
        return common.refused(response, err)
    body = response.json()
    if args.json:
        out.write(json.dumps(body, indent=2) + "\n")
    else:
        _print_run(body, out)
    return _exit_of(body)


def _list(api: Api, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    response = api.call("GET", "/api/drills")
    if response.status_code != 200:
        return common.refused(response, err)
    body = response.json()
    if args.json:
        out.write(json.dumps(body, indent=2) + "\n")
        return common.EXIT_OK
    for drill in body["drills"]:
        last = drill.get("lastRun") or {}
        result = f"{last.get('id')} {last.get('status') or last.get('runtimeStatus')}" if last else "never run"
        definition = drill["definition"]
        out.write(f"{definition['name']:<24} {definition['schedule']:<16} next {drill['nextRun']}  last {result}\n")
    return common.EXIT_OK


def _exit_of(body: dict[str, Any]) -> int:
    return {"passed": common.EXIT_OK, "failed": common.EXIT_FAILED}.get(str(body.get("status")), common.EXIT_OK)


def _line(body: dict[str, Any]) -> str:
    vms = body.get("vms") or []
    # While a run goes on its VMs carry `validation` as the status alone (the running view, docs/drills.md).
    states = [v if isinstance(v, str) else (v or {}).get("status") for v in (vm.get("validation") for vm in vms)]
    passed = states.count("passed")
    return f"{body.get('id')} {body.get('status', '-')} {body.get('phase', '-')} {passed}/{len(vms)} VMs passed"


def _watch(api: Api, run_id: str, interval: float, out: TextIO, err: TextIO) -> int:
    last = ""
    while True:
        response = api.call("GET", f"/api/drills/runs/{run_id}")
        if response.status_code != 200:
            return common.refused(response, err)
        body = response.json()
        line = _line(body)
        if line != last:
            out.write(line + "\n")
            out.flush()
            last = line
        if body.get("runtimeStatus") in ("Completed", "Failed", "Terminated"):
            _print_run(body, out)
            return _exit_of(body) if body.get("runtimeStatus") == "Completed" else common.EXIT_FAILED
        time.sleep(interval)


def _print_run(body: dict[str, Any], out: TextIO) -> None:
    out.write(f"{body.get('id')}: {body.get('status')} (drill {body.get('drill')}, {body.get('startedBy')})\n")
    for vm in body.get("vms") or []:
        name = str(vm.get("vmId", "")).rsplit("/", 1)[-1]
        check = vm.get("validation") or {}
        age = vm.get("pointAgeHours")
        took = vm.get("restoreSeconds")
        out.write(f"  {name:<24} point age {age if age is not None else '-'} h  restore "
                  f"{took if took is not None else '-'} s  {check.get('status')}\n")
        for reason in check.get("reasons") or []:
            out.write(f"    - {reason}\n")
    custom = body.get("customValidation")
    if custom:
        out.write(f"  custom validation: {custom.get('status')} {'; '.join(custom.get('reasons') or [])}\n")
    cleanup = body.get("cleanup") or {}
    out.write(f"  cleanup: {cleanup.get('status')}, {len(cleanup.get('deleted') or [])} deleted, "
              f"{len(cleanup.get('alreadyGone') or [])} already gone\n")
    for kind in ("refused", "failed"):
        for item in cleanup.get(kind) or []:
            out.write(f"    {kind}: {item.get('id')}: {item.get('reason')}\n")
