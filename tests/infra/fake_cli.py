"""Stand-ins for the `az` and `azd` executables, so the azd hooks and the smoke script run offline.

Installed by `install(bin_dir, state_path)` as two executables that run this file; each call is appended to the
state's `calls` and answered from the state (a JSON file the test writes and reads back). Only the commands the
hooks and scripts/smoke.sh use are served; anything else fails loudly, so a hook that starts calling something new
is caught. Error texts follow the Azure CLI's `(Code) message` form.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

STATE_VAR = "FAKE_CLI_STATE"


def install(bin_dir: Path, state_path: Path, state: dict[str, Any]) -> dict[str, str]:
    """Write `az` and `azd` into `bin_dir` and the state file; returns the environment that puts them first."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("az", "azd"):
        exe = bin_dir / name
        exe.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                       f"import fake_cli\nsys.exit(fake_cli.main({name!r}, sys.argv[1:]))\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    state.setdefault("calls", [])
    state_path.write_text(json.dumps(state))
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", STATE_VAR: str(state_path)}


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def _fail(code: str, message: str) -> int:
    print(f"ERROR: ({code}) {message}", file=sys.stderr)
    return 3


def _azd(state: dict[str, Any], args: list[str]) -> int:
    env = state.setdefault("env", {})
    if args[:2] == ["env", "get-value"]:
        if args[2] not in env:
            print(f"ERROR: key '{args[2]}' not found in the environment values", file=sys.stderr)
            return 1
        print(env[args[2]])
        return 0
    if args[:2] == ["env", "set"] and len(args) == 4:
        env[args[2]] = args[3]
        return 0
    return _fail("FakeCli", f"azd {' '.join(args)} is not served by the fake")


def _keyvault(state: dict[str, Any], args: list[str]) -> int:
    if args[1:4] == ["list", "--resource-type", "vault"]:
        print(json.dumps([{"name": n, "resourceGroup": v.get("group"), "tags": v.get("tags", {})}
                          for n, v in state.get("vaults", {}).items()]))
        return 0
    if args[1:4] == ["list-deleted", "--resource-type", "vault"]:
        print(json.dumps([{"name": n, "properties": {"location": "westeurope"}} for n in state.get(
            "deleted_vaults", [])]))
        return 0
    return _fail("FakeCli", f"az {' '.join(args)} is not served by the fake")


def _az(state: dict[str, Any], args: list[str]) -> int:
    if state.get("logged_out"):
        return _fail("AuthenticationFailed", "Please run 'az login' to setup account.")
    if args[0] == "keyvault":
        return _keyvault(state, args)
    if args[:3] == ["eventgrid", "event-subscription", "create"]:
        if state.get("eventgrid_failures", 0) > 0:
            state["eventgrid_failures"] -= 1
            return _fail("InvalidRequest", "Destination endpoint not found. Resource details: resourceId: "
                                           f"{_option(args, '--endpoint')}.")
        return 0
    if args[:3] == ["functionapp", "keys", "list"]:
        print(state["function_key"])
        return 0
    return _fail("FakeCli", f"az {' '.join(args)} is not served by the fake")


def main(program: str, args: list[str]) -> int:
    path = Path(os.environ[STATE_VAR])
    state = json.loads(path.read_text())
    state["calls"].append([program, *args])
    try:
        return (_az if program == "az" else _azd)(state, args)
    finally:
        path.write_text(json.dumps(state))
