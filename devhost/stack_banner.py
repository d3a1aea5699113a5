"""What `make run` prints once the stack is up: where everything is and commands to copy (restore, CLI, signed
incident webhook, Event Grid event, finding a restore from its event)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

WEBHOOK_SECRET = "local-dev-secret-0123456789abcdef012345"  # noqa: S105 (the local stack's INCIDENT_WEBHOOK_SECRET, printed on purpose)
EVENT_TYPE = "Contoso.Restore.Requested"  # the app's default EVENTGRID_RESTORE_EVENT_TYPE (README, Configuration)
DEMO_EVENT_ID = "demo-event-0001"
DEMO_INCIDENT_ID = "INC-DEMO-0001"


def demo_request(inventory: dict[str, Any]) -> dict[str, str] | None:
    """A restore of the first protected VM to a storage account in its region."""
    vm = next((v for v in inventory.get("vms", []) if v.get("protectedItemId")), None)
    if vm is None:
        return None
    accounts = inventory.get("storageAccounts", [])
    account = next((a for a in accounts if a.get("region") == vm.get("region")), accounts[0] if accounts else None)
    return {"vmId": vm["id"], "storageAccountId": account["id"] if account else ""}


def cli_command() -> str:
    """The CLI as a runnable command: the console script next to this interpreter (`make` installs it in .venv)."""
    script = Path(sys.executable).parent / "vmrestore"
    if script.exists():
        try:
            return str(script.relative_to(Path.cwd()))
        except ValueError:
            return str(script)
    return f"{shlex.quote(sys.executable)} -m vmrestore"


def demo_topic(request: dict[str, str]) -> str:
    subscription = "/".join(request["vmId"].split("/")[:3])
    return f"{subscription}/resourceGroups/rg-ops/providers/Microsoft.EventGrid/topics/restore-requests"


def demo_event(request: dict[str, str]) -> list[dict[str, Any]]:
    """One Event Grid schema event asking for the demo restore (the shape of examples/eventgrid-event.json)."""
    return [{"id": DEMO_EVENT_ID, "topic": demo_topic(request), "subject": "restores/demo",
             "eventType": EVENT_TYPE, "eventTime": "2026-03-01T08:15:00Z", "dataVersion": "1.0", "data": request}]


def webhook_lines(base: str, request: dict[str, str]) -> list[str]:
    """A signed `curl` for the incident webhook: X-Signature = sha256=HMAC-SHA256(secret, "<timestamp>.<body>")."""
    body = json.dumps({"incidentId": DEMO_INCIDENT_ID, **request})
    return [f"  body={shlex.quote(body)}; ts=$(date +%s)",
            f"  sig=$(printf '%s.%s' \"$ts\" \"$body\" | openssl dgst -sha256 -hmac {WEBHOOK_SECRET} -r "
            "| cut -d' ' -f1)",
            f"  curl -si -X POST {base}/api/webhooks/incident -H 'Content-Type: application/json' \\",
            "       -H \"X-Signature-Timestamp: $ts\" -H \"X-Signature: sha256=$sig\" -d \"$body\""]


def eventgrid_lines(base: str, request: dict[str, str]) -> list[str]:
    url = f"{base}/runtime/webhooks/eventgrid?functionName=restore_from_event"
    return [f"  curl -si -X POST {shlex.quote(url)} -H 'Content-Type: application/json' \\",
            f"       -H 'aeg-event-type: Notification' -d {shlex.quote(json.dumps(demo_event(request)))}"]


def banner(port: int, emulator_url: str, files: dict[str, Path], scale: float,
           request: dict[str, str] | None, host: str = "127.0.0.1") -> str:
    base = f"http://{host}:{port}"
    cli = cli_command()
    lines = ["", "Local stack is running (Ctrl-C, or SIGTERM/SIGINT to make, stops it):",
             f"  Functions host : {base}  (status {base}/admin/host/status, API {base}/api/...)",
             f"  ARM emulator   : {emulator_url}  (inventory {emulator_url}/_emulator/inventory)",
             f"  State          : {files['db']} (host), {files['state']} (emulator), {files['clock']} (one "
             "service clock for both); kept between runs, RESET=1 starts clean",
             f"  Time scale     : {scale:g}x (durable timers and emulated jobs run {scale:g} times faster)",
             f"  CLI            : {cli}  (or put it on PATH: export PATH=\"{Path(cli).parent.resolve()}:$PATH\")",
             f"  Webhook secret : {WEBHOOK_SECRET}  (INCIDENT_WEBHOOK_SECRET of this local stack)", ""]
    if request:
        lines += ["Start a restore:",
                  f"  curl -si -X POST {base}/api/restores -H 'Content-Type: application/json' \\",
                  f"       -d {shlex.quote(json.dumps(request))}",
                  "Watch it: GET the Location header of that response, or",
                  f"  {cli} --url {base} status <ID> --watch", "",
                  "Start one through the incident webhook (signed):", *webhook_lines(base, request), "",
                  "Start one through Event Grid (as Event Grid delivers it):", *eventgrid_lines(base, request),
                  "Find the restore an event started (its ID is derived from the event's topic and ID):",
                  f"  {cli} --url {base} status --event-id {DEMO_EVENT_ID} --topic {demo_topic(request)}", ""]
    return "\n".join(lines)
