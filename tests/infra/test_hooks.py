"""The azd hooks, run exactly as azure.yaml runs them (POSIX shell), against fake `az`/`azd` executables
(tests/infra/fake_cli.py): `azd up` works the first time, the second time, after `azd down`, and from CI with a
fresh azd environment; the Event Grid subscription is created after the code is deployed, with a bounded retry,
and never by a second provision."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.bicep_ast import REPO
from tests.infra.fake_cli import install

ENV = {
    "AZURE_ENV_NAME": "vmrestore-dev",
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000001",
    "AZURE_LOCATION": "westeurope",
}
GROUP = "rg-vmrestore-dev"
DEPLOYED = {
    "AZURE_RESOURCE_GROUP": GROUP,
    "AZURE_FUNCTION_APP_ID": f"/subscriptions/{ENV['AZURE_SUBSCRIPTION_ID']}/resourceGroups/{GROUP}"
                             "/providers/Microsoft.Web/sites/func-abc",
    "EVENTGRID_TOPIC_ID": f"/subscriptions/{ENV['AZURE_SUBSCRIPTION_ID']}/resourceGroups/{GROUP}"
                          "/providers/Microsoft.EventGrid/topics/evgt-abc",
    "EVENTGRID_DEADLETTER_CONTAINER_ID": f"/subscriptions/{ENV['AZURE_SUBSCRIPTION_ID']}/resourceGroups/{GROUP}"
                                         "/providers/Microsoft.Storage/storageAccounts/stabc/blobServices/default"
                                         "/containers/eventgrid-deadletter",
    "EVENTGRID_RESTORE_EVENT_TYPE": "Contoso.Restore.Requested",
    "EVENTGRID_MAX_DELIVERY_ATTEMPTS": "10",
    "EVENTGRID_EVENT_TTL_MINUTES": "1440",
}
VAULT_NAME = re.compile(r"^kv-[0-9a-f]{16}$")  # 3-24 chars, letter first, no "--": Key Vault naming rules
# Options of `az eventgrid event-subscription create` and the enum values used, from Azure/azure-cli
# src/azure-cli/azure/cli/command_modules/eventgrid/_params.py @ 096fb1062719915e29178b201d61b4f9484dcc22
# (argument contexts 'eventgrid' and 'eventgrid event-subscription') and custom.py
# (cli_eventgrid_event_subscription_create: --deadletter-identity-endpoint requires --deadletter-identity).
AZ_EVENT_SUBSCRIPTION_OPTIONS = {
    "--name", "--source-resource-id", "--endpoint", "--endpoint-type", "--included-event-types",
    "--event-delivery-schema", "--max-delivery-attempts", "--event-ttl", "--max-events-per-batch",
    "--preferred-batch-size-in-kilobytes", "--deadletter-identity", "--deadletter-identity-endpoint",
    "--subscription", "--output",
}
AZ_ENUMS = {
    "--endpoint-type": {"webhook", "eventhub", "storagequeue", "hybridconnection", "servicebusqueue",
                        "servicebustopic", "azurefunction"},
    "--event-delivery-schema": {"eventgridschema", "custominputschema", "cloudeventschemav1_0"},
    "--deadletter-identity": {"systemassigned"},
    "--output": {"json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"},
}


def _hooks() -> dict[str, Any]:
    return yaml.safe_load((REPO / "azure.yaml").read_text())["hooks"]


def run_hook(tmp_path: Path, name: str, state: dict[str, Any], **extra: str) -> tuple[subprocess.CompletedProcess[str],
                                                                                       dict[str, Any]]:
    """Run hook `name` as azd would on POSIX: its `run` in `sh`, the azd environment values as variables."""
    hook = _hooks()[name]["posix"]
    assert hook["shell"] == "sh"
    state_path = tmp_path / "state.json"
    env = {**os.environ, **install(tmp_path / "bin", state_path, state), **state.get("env", {}), **extra}
    proc = subprocess.run(["sh", "-c", hook["run"]], cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    return proc, json.loads(state_path.read_text())


def _calls(state: dict[str, Any], *prefix: str) -> list[list[str]]:
    return [c for c in state["calls"] if c[:len(prefix)] == list(prefix)]


def test_azure_yaml_runs_hooks_before_provision_after_deploy_and_after_down_on_every_platform():
    hooks = _hooks()
    assert set(hooks) == {"preprovision", "postdeploy", "postdown"}
    for hook in hooks.values():
        assert hook["posix"]["shell"] == "sh" and hook["windows"]["shell"] == "pwsh"
        assert hook["posix"]["continueOnError"] is False and hook["windows"]["continueOnError"] is False
        script = hook["posix"]["run"].split()[1]
        assert (REPO / script).is_file()
        assert hook["windows"]["run"].split()[1:] == hook["posix"]["run"].split()[1:]


# --- preprovision: the Key Vault name -------------------------------------------------------------------------------


def test_first_provision_gets_a_new_vault_name_and_no_secret_lookup(tmp_path):
    proc, state = run_hook(tmp_path, "preprovision", {"env": dict(ENV)})
    assert proc.returncode == 0, proc.stderr
    assert VAULT_NAME.match(state["env"]["KEY_VAULT_NAME"])
    # main.parameters.json reads the webhook secret from ${AZURE_KEY_VAULT_NAME}; azd reads a vault that does not
    # exist yet as an error, an empty name as "generate one" (Azure/azure-dev cli/azd/pkg/cmdsubst/
    # secretOrRandomPassword.go: fewer than two arguments -> random password).
    assert state["env"]["AZURE_KEY_VAULT_NAME"] == ""
    # ...and azd's generated one has 15 characters: the new vault's secret comes from the hook, 32 bytes or more.
    new_secret = state["env"]["INCIDENT_WEBHOOK_SECRET_NEW"]
    assert len(new_secret.encode()) >= 32 and new_secret.isascii() and new_secret.isprintable()
    again, state = run_hook(tmp_path, "preprovision", {"env": dict(ENV)})
    assert again.returncode == 0 and state["env"]["INCIDENT_WEBHOOK_SECRET_NEW"] != new_secret  # random, not derived


def test_second_provision_keeps_the_live_vault_and_rereads_its_secret(tmp_path):
    state = {"env": {**ENV, **DEPLOYED, "KEY_VAULT_NAME": "kv-0123456789abcdef",
                     "AZURE_KEY_VAULT_NAME": "kv-0123456789abcdef"},
             "vaults": {"kv-0123456789abcdef": {"group": GROUP}}}
    proc, state = run_hook(tmp_path, "preprovision", state)
    assert proc.returncode == 0, proc.stderr
    assert state["env"]["KEY_VAULT_NAME"] == state["env"]["AZURE_KEY_VAULT_NAME"] == "kv-0123456789abcdef"
    assert state["env"]["INCIDENT_WEBHOOK_SECRET_NEW"] == ""  # the vault's secret is kept


def test_provision_after_down_never_reuses_a_purge_protected_vault_name(tmp_path):
    state = {"env": {**ENV, "KEY_VAULT_NAME": "kv-0123456789abcdef", "AZURE_KEY_VAULT_NAME": "kv-0123456789abcdef"},
             "deleted_vaults": ["kv-0123456789abcdef"]}
    proc, state = run_hook(tmp_path, "preprovision", state)
    assert proc.returncode == 0, proc.stderr
    assert VAULT_NAME.match(state["env"]["KEY_VAULT_NAME"])
    assert state["env"]["KEY_VAULT_NAME"] != "kv-0123456789abcdef"
    assert state["env"]["AZURE_KEY_VAULT_NAME"] == ""


def test_fresh_ci_environment_adopts_the_vault_its_environment_already_has(tmp_path):
    tag = {"azd-env-name": ENV["AZURE_ENV_NAME"]}
    state = {"env": dict(ENV),
             "vaults": {"kv-other": {"group": GROUP, "tags": {"azd-env-name": "someone-else"}},
                        "kv-same-tag-elsewhere": {"group": "rg-unrelated", "tags": tag},
                        "kv-fedcba9876543210": {"group": GROUP, "tags": tag}}}
    proc, state = run_hook(tmp_path, "preprovision", state)
    assert proc.returncode == 0, proc.stderr
    assert state["env"]["KEY_VAULT_NAME"] == state["env"]["AZURE_KEY_VAULT_NAME"] == "kv-fedcba9876543210"


def test_an_environment_of_the_previous_template_keeps_its_vault(tmp_path):
    state = {"env": {**ENV, "AZURE_KEY_VAULT_NAME": "kv-legacytoken1234"},
             "vaults": {"kv-legacytoken1234": {"group": GROUP}}}
    proc, state = run_hook(tmp_path, "preprovision", state)
    assert proc.returncode == 0, proc.stderr
    assert state["env"]["KEY_VAULT_NAME"] == "kv-legacytoken1234"


def test_every_az_call_targets_the_azd_subscription(tmp_path):
    _, state = run_hook(tmp_path, "preprovision", {"env": dict(ENV)})
    az = _calls(state, "az")
    assert az and all(c[c.index("--subscription") + 1] == ENV["AZURE_SUBSCRIPTION_ID"] for c in az)


def test_preprovision_stops_when_az_cannot_answer(tmp_path):
    proc, state = run_hook(tmp_path, "preprovision", {"env": {**ENV, "KEY_VAULT_NAME": "kv-0123456789abcdef"},
                                                      "logged_out": True})
    assert proc.returncode != 0
    assert "az login" in proc.stderr
    assert not _calls(state, "azd", "env", "set")


# --- postdeploy: the Event Grid subscription ------------------------------------------------------------------------


def _create_args(call: list[str]) -> dict[str, str]:
    args = call[4:]
    assert all(a.startswith("--") for a in args[::2]), args
    return dict(zip(args[::2], args[1::2], strict=True))


def test_postdeploy_creates_the_subscription_with_az_and_never_provisions_again(tmp_path):
    proc, state = run_hook(tmp_path, "postdeploy", {"env": {**ENV, **DEPLOYED}}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode == 0, proc.stderr
    assert not _calls(state, "azd", "provision") and not _calls(state, "azd", "up")
    (create,) = _calls(state, "az", "eventgrid", "event-subscription", "create")
    args = _create_args(create)
    assert args == {
        "--subscription": ENV["AZURE_SUBSCRIPTION_ID"],
        "--name": "restore-from-event",
        "--source-resource-id": DEPLOYED["EVENTGRID_TOPIC_ID"],
        "--endpoint-type": "azurefunction",
        "--endpoint": f"{DEPLOYED['AZURE_FUNCTION_APP_ID']}/functions/restore_from_event",
        "--included-event-types": DEPLOYED["EVENTGRID_RESTORE_EVENT_TYPE"],
        "--event-delivery-schema": "eventgridschema",
        "--max-delivery-attempts": "10",
        "--event-ttl": "1440",
        "--max-events-per-batch": "1",
        "--preferred-batch-size-in-kilobytes": "64",
        "--deadletter-identity": "systemassigned",
        "--deadletter-identity-endpoint": DEPLOYED["EVENTGRID_DEADLETTER_CONTAINER_ID"],
        "--output": "none",
    }


def test_postdeploy_uses_only_options_and_values_the_azure_cli_defines(tmp_path):
    _, state = run_hook(tmp_path, "postdeploy", {"env": {**ENV, **DEPLOYED}}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    args = _create_args(_calls(state, "az", "eventgrid", "event-subscription", "create")[0])
    assert set(args) <= AZ_EVENT_SUBSCRIPTION_OPTIONS
    assert {k: v for k, v in args.items() if k in AZ_ENUMS and v not in AZ_ENUMS[k]} == {}


def test_the_subscription_targets_the_event_grid_function_of_the_code():
    sources = [p for p in REPO.rglob("*.py") if not {".venv", "tests", "mutants"} & set(p.relative_to(REPO).parts)]
    triggers = [p for p in sources if "event_grid_trigger" in p.read_text()]
    defining = [p for p in triggers if re.search(r"^(async\s+)?def restore_from_event\(", p.read_text(), re.M)]
    assert len(defining) == 1
    # The v2 programming model names a function after its Python function unless @function_name says otherwise.
    assert "function_name(" not in defining[0].read_text()


def test_postdeploy_retries_while_the_function_is_not_yet_reachable(tmp_path):
    proc, state = run_hook(tmp_path, "postdeploy", {"env": {**ENV, **DEPLOYED}, "eventgrid_failures": 2},
                           EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode == 0, proc.stderr
    assert len(_calls(state, "az", "eventgrid", "event-subscription", "create")) == 3


def test_postdeploy_gives_up_after_a_bounded_number_of_attempts(tmp_path):
    proc, state = run_hook(tmp_path, "postdeploy", {"env": {**ENV, **DEPLOYED}, "eventgrid_failures": 99},
                           EVENT_SUBSCRIPTION_RETRY_SECONDS="0", EVENT_SUBSCRIPTION_ATTEMPTS="3")
    assert proc.returncode != 0
    assert len(_calls(state, "az", "eventgrid", "event-subscription", "create")) == 3
    assert "Destination endpoint not found" in proc.stderr


@pytest.mark.parametrize("missing", ["EVENTGRID_TOPIC_ID", "AZURE_FUNCTION_APP_ID"])
def test_postdeploy_names_a_missing_provision_output(tmp_path, missing):
    env = {k: v for k, v in {**ENV, **DEPLOYED}.items() if k != missing}
    proc, state = run_hook(tmp_path, "postdeploy", {"env": env}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode != 0 and missing in proc.stderr
    assert not _calls(state, "az")


def test_provision_outputs_every_value_the_postdeploy_hook_reads():
    main = (REPO / "infra" / "main.bicep").read_text()
    outputs = set(re.findall(r"^output (\w+) ", main, re.M))
    assert sorted(set(DEPLOYED) - outputs) == []


# --- postdown and the whole cycle -----------------------------------------------------------------------------------


def test_postdown_clears_the_values_the_next_provision_would_trip_over(tmp_path):
    state = {"env": {**ENV, **DEPLOYED, "KEY_VAULT_NAME": "kv-0123456789abcdef",
                     "AZURE_KEY_VAULT_NAME": "kv-0123456789abcdef", "DEPLOY_EVENT_SUBSCRIPTION": "true"}}
    proc, state = run_hook(tmp_path, "postdown", state)
    assert proc.returncode == 0, proc.stderr
    assert state["env"]["KEY_VAULT_NAME"] == state["env"]["AZURE_KEY_VAULT_NAME"] == ""
    assert state["env"]["DEPLOY_EVENT_SUBSCRIPTION"] == ""


def test_up_up_down_up_cycle(tmp_path):
    state: dict[str, Any] = {"env": dict(ENV)}
    _, state = run_hook(tmp_path, "preprovision", state)
    first = state["env"]["KEY_VAULT_NAME"]
    state["vaults"] = {first: {"group": GROUP, "tags": {"azd-env-name": ENV["AZURE_ENV_NAME"]}}}  # provisioned
    state["env"]["AZURE_KEY_VAULT_NAME"] = first  # the AZURE_KEY_VAULT_NAME output
    _, state = run_hook(tmp_path, "preprovision", state)
    assert state["env"]["KEY_VAULT_NAME"] == state["env"]["AZURE_KEY_VAULT_NAME"] == first
    state["vaults"], state["deleted_vaults"] = {}, [first]  # azd down: the group and the vault are gone
    _, state = run_hook(tmp_path, "postdown", state)
    proc, state = run_hook(tmp_path, "preprovision", state)
    assert proc.returncode == 0, proc.stderr
    assert VAULT_NAME.match(state["env"]["KEY_VAULT_NAME"]) and state["env"]["KEY_VAULT_NAME"] != first
    assert state["env"]["AZURE_KEY_VAULT_NAME"] == ""


# --- postdeploy: restore on delete ----------------------------------------------------------------------------------
TARGET_GROUPS = [f"/subscriptions/{ENV['AZURE_SUBSCRIPTION_ID']}/resourceGroups/rg-app",
                 f"/subscriptions/{ENV['AZURE_SUBSCRIPTION_ID']}/resourceGroups/rg-db"]
# `--advanced-filter KEY OPERATOR VALUE...` (Azure/azure-cli src/azure-cli/azure/cli/command_modules/eventgrid/
# _params.py, 'eventgrid event-subscription' argument context: advanced_filter, nargs='+').
AZ_DELETE_SUBSCRIPTION_OPTIONS = AZ_EVENT_SUBSCRIPTION_OPTIONS | {"--advanced-filter"}


def _create_calls(state: dict[str, Any]) -> list[list[str]]:
    return _calls(state, "az", "eventgrid", "event-subscription", "create")


@pytest.mark.parametrize("mode", ["propose", "auto"])
def test_postdeploy_subscribes_the_function_to_vm_deletes_of_every_target_group(tmp_path, mode):
    env = {**ENV, **DEPLOYED, "RESTORE_ON_DELETE": mode, "RESTORE_ON_DELETE_SCOPES": ",".join(TARGET_GROUPS)}
    proc, state = run_hook(tmp_path, "postdeploy", {"env": env}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode == 0, proc.stderr
    _, *deletes = _create_calls(state)
    assert len(deletes) == 2
    for index, (call, group) in enumerate(zip(deletes, TARGET_GROUPS, strict=True)):
        filter_at = call.index("--advanced-filter")
        assert call[filter_at + 1:filter_at + 4] == ["data.operationName", "StringIn",
                                                     "Microsoft.Compute/virtualMachines/delete"]
        args = _create_args(call[:filter_at] + call[filter_at + 4:])
        assert args["--name"] == f"restore-on-delete-{index}" and args["--source-resource-id"] == group
        assert args["--included-event-types"] == "Microsoft.Resources.ResourceDeleteSuccess"
        assert args["--endpoint"] == f"{DEPLOYED['AZURE_FUNCTION_APP_ID']}/functions/restore_from_event"
        assert args["--event-delivery-schema"] == "eventgridschema" and args["--max-events-per-batch"] == "1"
        assert set(args) | {"--advanced-filter"} <= AZ_DELETE_SUBSCRIPTION_OPTIONS
        assert {k: v for k, v in args.items() if k in AZ_ENUMS and v not in AZ_ENUMS[k]} == {}


def test_postdeploy_subscribes_to_no_deletes_when_restore_on_delete_is_off(tmp_path):
    env = {**ENV, **DEPLOYED, "RESTORE_ON_DELETE": "off", "RESTORE_ON_DELETE_SCOPES": ",".join(TARGET_GROUPS)}
    proc, state = run_hook(tmp_path, "postdeploy", {"env": env}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode == 0, proc.stderr
    assert len(_create_calls(state)) == 1


def test_postdeploy_refuses_restore_on_delete_without_a_target_group(tmp_path):
    env = {**ENV, **DEPLOYED, "RESTORE_ON_DELETE": "auto", "RESTORE_ON_DELETE_SCOPES": ""}
    proc, _ = run_hook(tmp_path, "postdeploy", {"env": env}, EVENT_SUBSCRIPTION_RETRY_SECONDS="0")
    assert proc.returncode != 0 and "RESTORE_ON_DELETE_SCOPES" in proc.stderr


def test_provision_outputs_what_restore_on_delete_reads():
    main = (REPO / "infra" / "main.bicep").read_text()
    outputs = set(re.findall(r"^output (\w+) ", main, re.M))
    assert {"RESTORE_ON_DELETE", "RESTORE_ON_DELETE_SCOPES"} <= outputs
