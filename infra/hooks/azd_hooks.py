"""The azd hooks of the VM restore orchestrator (azure.yaml), one implementation for POSIX and Windows.

    python3 infra/hooks/azd_hooks.py preprovision | postdeploy | postdown

azd passes the environment's values to a hook as environment variables and reloads the environment after it
(Azure/azure-dev cli/azd/pkg/ext/hooks_runner.go), so a value a hook writes with `azd env set` is what the
provision that follows reads. The hooks call the Azure CLI (`az`), signed in to the tenant azd deploys to, always
with the azd environment's subscription. Standard library only: they run before any virtualenv exists.

- preprovision: the Key Vault name. Purge protection keeps a deleted vault's name reserved for its retention
  period, so after `azd down` the deterministic name the template used before could not be created again. The
  name is kept while its vault lives and replaced once that vault is deleted; a fresh azd environment (CI) adopts
  the vault its azd environment already has. AZURE_KEY_VAULT_NAME names the vault only when it exists: azd reads
  the webhook secret from it (main.parameters.json, secretOrRandomPassword) and fails on a vault that does not exist,
  while an empty name makes it generate a new secret (Azure/azure-dev cli/azd/pkg/cmdsubst/secretOrRandomPassword.go)
  of only 15 characters; for a new vault the hook therefore sets INCIDENT_WEBHOOK_SECRET_NEW (64 characters), which
  main.bicep stores instead.
- postdeploy: the Event Grid subscription to restore_from_event, which Event Grid refuses to create before the
  function exists, and (RESTORE_ON_DELETE propose/auto) one per target resource group to ARM's VM delete events.
  `az eventgrid event-subscription create` is a create-or-update, so every deploy may run it; it is
  retried a bounded number of times because the function is indexed some time after the deployment completes.
- postdown: clears the values that name what `azd down` deleted, so the next `azd up` starts clean.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SUBSCRIPTION_NAME = "restore-from-event"
FUNCTION_NAME = "restore_from_event"
# Provision outputs (infra/main.bicep) the postdeploy hook needs.
POSTDEPLOY_INPUTS = (
    "AZURE_FUNCTION_APP_ID",
    "EVENTGRID_TOPIC_ID",
    "EVENTGRID_DEADLETTER_CONTAINER_ID",
    "EVENTGRID_RESTORE_EVENT_TYPE",
    "EVENTGRID_MAX_DELIVERY_ATTEMPTS",
    "EVENTGRID_EVENT_TTL_MINUTES",
)
# Restore on delete (infra/main.bicep outputs): the mode and the resource groups whose VM deletes are subscribed to.
DELETE_EVENT_TYPE = "Microsoft.Resources.ResourceDeleteSuccess"
VM_DELETE_OPERATION = "Microsoft.Compute/virtualMachines/delete"
DELETE_SUBSCRIPTION_PREFIX = "restore-on-delete"
# The deployment flag of the previous template; a stale "true" is harmless now but misleading.
LEGACY_VALUES = ("DEPLOY_EVENT_SUBSCRIPTION",)


class HookError(Exception):
    """A hook cannot go on; the message says why."""


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(args[0])
    if exe is None:
        raise HookError(f"{args[0]} is not on PATH (docs/deploy.md, Prerequisites)")
    # Fixed programs (az, azd) with arguments this file builds; no shell.
    return subprocess.run([exe, *args[1:]], capture_output=True, text=True, check=False)  # noqa: S603


def az(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    subscription = env.get("AZURE_SUBSCRIPTION_ID", "")
    return run(["az", *args, *(["--subscription", subscription] if subscription else [])])


def az_list(env: Mapping[str, str], *args: str) -> list[dict[str, Any]]:
    """The JSON list an az list command answers; any failure stops the hook (no error text is interpreted)."""
    proc = az(env, *args, "--output", "json")
    if proc.returncode != 0:
        raise HookError(f"az {' '.join(args[:2])} failed: {proc.stderr.strip()}")
    answer = json.loads(proc.stdout or "[]")
    if not isinstance(answer, list):
        raise HookError(f"az {' '.join(args[:2])} answered something other than a list")
    return answer


def azd_set(name: str, value: str) -> None:
    proc = run(["azd", "env", "set", name, value])
    if proc.returncode != 0:
        raise HookError(f"azd env set {name} failed: {proc.stderr.strip()}")


@dataclass(frozen=True)
class Vaults:
    """The Key Vaults of the azd subscription: live (name -> vault) and in soft delete (names)."""

    live: dict[str, dict[str, Any]]
    deleted: set[str]

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Vaults:
        # Lists, not `az keyvault show` / `show-deleted` per name: those report a missing vault only as an error
        # text ("The Vault '...' not found within subscription.", "No deleted Vault or HSM was found with name ...",
        # Azure/azure-cli src/azure-cli/azure/cli/command_modules/keyvault/_validators.py). list-deleted needs no
        # location.
        live = az_list(env, "keyvault", "list", "--resource-type", "vault")
        deleted = az_list(env, "keyvault", "list-deleted", "--resource-type", "vault")
        return cls({str(v["name"]).lower(): v for v in live}, {str(v["name"]).lower() for v in deleted})

    def environment_vault(self, env: Mapping[str, str]) -> str | None:
        """The vault tagged with this azd environment in its resource group (main.bicep: rg-<environment>)."""
        group = (env.get("AZURE_RESOURCE_GROUP") or f"rg-{env['AZURE_ENV_NAME']}").lower()
        names = sorted(str(v["name"]) for v in self.live.values()
                       if str(v.get("resourceGroup", "")).lower() == group
                       and (v.get("tags") or {}).get("azd-env-name") == env["AZURE_ENV_NAME"])
        return names[0] if names else None

    def new_name(self) -> str:
        """kv- and 16 hex digits: a valid vault name (3-24 characters, a letter first) no vault here holds."""
        while True:
            name = f"kv-{secrets.token_hex(8)}"
            if name not in self.live and name not in self.deleted:
                return name


def choose_vault(env: Mapping[str, str]) -> tuple[str, bool]:
    """(vault name, whether that vault exists now)."""
    if not env.get("AZURE_ENV_NAME"):
        raise HookError("AZURE_ENV_NAME is not set (run the hook through azd)")
    vaults = Vaults.read(env)
    for name in dict.fromkeys(n for n in (env.get("KEY_VAULT_NAME"), env.get("AZURE_KEY_VAULT_NAME")) if n):
        if name.lower() in vaults.deleted:
            print(f"Key Vault {name} is deleted (purge protection keeps its name reserved); choosing a new name.")
            continue
        return name, name.lower() in vaults.live
    adopted = vaults.environment_vault(env)
    if adopted:
        print(f"Using Key Vault {adopted}, the vault of azd environment {env['AZURE_ENV_NAME']}.")
        return adopted, True
    return vaults.new_name(), False


# The webhook's HMAC key: at least 32 bytes (triggers/signatures.py, RFC 2104 section 3). azd's own generator makes
# 15 characters (Azure/azure-dev cli/azd/pkg/cmdsubst/secretOrRandomPassword.go: MinLower/MinUpper/MinNumeric 5,
# no Length), too short, so a new vault's secret comes from here: 48 random bytes, 64 URL-safe characters.
NEW_SECRET_BYTES = 48


def preprovision(env: Mapping[str, str]) -> None:
    name, exists = choose_vault(env)
    azd_set("KEY_VAULT_NAME", name)
    azd_set("AZURE_KEY_VAULT_NAME", name if exists else "")
    # An existing vault keeps its secret (azd reads it back: main.parameters.json); only a new one gets this.
    azd_set("INCIDENT_WEBHOOK_SECRET_NEW", "" if exists else secrets.token_urlsafe(NEW_SECRET_BYTES))
    print(f"Key Vault: {name} ({'existing: the webhook secret is kept' if exists else 'new: a secret is generated'}).")


def create_subscription_args(env: Mapping[str, str]) -> list[str]:
    missing = [name for name in POSTDEPLOY_INPUTS if not env.get(name)]
    if missing:
        raise HookError(f"provision outputs missing from the azd environment: {', '.join(missing)} (run azd provision)")
    return [
        "eventgrid", "event-subscription", "create",
        "--name", SUBSCRIPTION_NAME,
        "--source-resource-id", env["EVENTGRID_TOPIC_ID"],
        "--endpoint-type", "azurefunction",
        "--endpoint", f"{env['AZURE_FUNCTION_APP_ID']}/functions/{FUNCTION_NAME}",
        "--included-event-types", env["EVENTGRID_RESTORE_EVENT_TYPE"],
        "--event-delivery-schema", "eventgridschema",
        "--max-delivery-attempts", env["EVENTGRID_MAX_DELIVERY_ATTEMPTS"],
        "--event-ttl", env["EVENTGRID_EVENT_TTL_MINUTES"],
        # One event per invocation: restore_from_event takes a single event.
        "--max-events-per-batch", "1",
        "--preferred-batch-size-in-kilobytes", "64",
        # Dead letters are written with the topic's identity (Storage Blob Data Contributor on the container only,
        # infra/modules/eventgrid.bicep).
        "--deadletter-identity", "systemassigned",
        "--deadletter-identity-endpoint", env["EVENTGRID_DEADLETTER_CONTAINER_ID"],
        "--output", "none",
    ]


def delete_subscription_args(env: Mapping[str, str]) -> list[list[str]]:
    """One event subscription per resource group of RESTORE_ON_DELETE_SCOPES to ARM's VM deletes, when
    RESTORE_ON_DELETE is not off. A resource group as `--source-resource-id` makes Event Grid create (or reuse) its
    system topic of type Microsoft.Resources.ResourceGroups; only successful VM deletes are delivered
    (`--advanced-filter data.operationName StringIn ...`, Azure/azure-cli
    src/azure-cli/azure/cli/command_modules/eventgrid/_params.py, `advanced_filter`). No dead-lettering: the implicit
    system topic has no identity to write dead letters with."""
    if env.get("RESTORE_ON_DELETE", "off").lower() in ("", "off"):
        return []
    scopes = [s for s in env.get("RESTORE_ON_DELETE_SCOPES", "").replace(" ", "").split(",") if s]
    if not scopes:
        raise HookError("RESTORE_ON_DELETE is on but RESTORE_ON_DELETE_SCOPES names no resource group "
                        "(set RESTORE_TARGET_RESOURCE_GROUP_IDS and run azd provision)")
    return [[
        "eventgrid", "event-subscription", "create",
        "--name", f"{DELETE_SUBSCRIPTION_PREFIX}-{index}",
        "--source-resource-id", scope,
        "--endpoint-type", "azurefunction",
        "--endpoint", f"{env['AZURE_FUNCTION_APP_ID']}/functions/{FUNCTION_NAME}",
        "--included-event-types", DELETE_EVENT_TYPE,
        "--advanced-filter", "data.operationName", "StringIn", VM_DELETE_OPERATION,
        "--event-delivery-schema", "eventgridschema",
        "--max-delivery-attempts", env["EVENTGRID_MAX_DELIVERY_ATTEMPTS"],
        "--event-ttl", env["EVENTGRID_EVENT_TTL_MINUTES"],
        "--max-events-per-batch", "1",
        "--preferred-batch-size-in-kilobytes", "64",
        "--output", "none",
    ] for index, scope in enumerate(scopes)]


def postdeploy(env: Mapping[str, str]) -> None:
    for args in [create_subscription_args(env), *delete_subscription_args(env)]:
        _create_with_retries(env, args)


def _create_with_retries(env: Mapping[str, str], args: list[str]) -> None:
    name = args[args.index("--name") + 1]
    attempts = max(1, int(env.get("EVENT_SUBSCRIPTION_ATTEMPTS", "10")))
    delay = float(env.get("EVENT_SUBSCRIPTION_RETRY_SECONDS", "30"))
    error = ""
    for attempt in range(1, attempts + 1):
        proc = az(env, *args)
        if proc.returncode == 0:
            print(f"Event Grid subscription {name} -> {FUNCTION_NAME} is in place.")
            return
        error = proc.stderr.strip()
        print(f"Event Grid subscription, attempt {attempt}/{attempts} failed: {error}", file=sys.stderr)
        if attempt < attempts:
            time.sleep(delay)
    raise HookError(f"the Event Grid subscription could not be created after {attempts} attempts: {error}")


def postdown(env: Mapping[str, str]) -> None:
    for name in ("KEY_VAULT_NAME", "AZURE_KEY_VAULT_NAME", *(n for n in LEGACY_VALUES if n in env)):
        azd_set(name, "")
    print("Cleared KEY_VAULT_NAME and AZURE_KEY_VAULT_NAME: the next azd up creates a new Key Vault "
          "(the deleted one stays in soft-delete until its retention ends).")


HOOKS = {"preprovision": preprovision, "postdeploy": postdeploy, "postdown": postdown}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in HOOKS:
        print(f"usage: azd_hooks.py {{{'|'.join(HOOKS)}}}", file=sys.stderr)
        return 2
    try:
        HOOKS[argv[0]](os.environ)
    except HookError as exc:
        print(f"azd {argv[0]} hook: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
