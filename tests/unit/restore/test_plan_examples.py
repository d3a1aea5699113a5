"""Every examples/plans/ file (JSON and YAML) read as the CLI reads it is a valid plan inside the demo scopes."""

from __future__ import annotations

from pathlib import Path
from string import Template

import pytest

from restore.plan import PlanRequest, scope_ids, validate_plan
from restore.scopes import is_allowed
from tests.unit.triggers.fakes import IDS
from vmrestore.plans import read_plan_file

PLANS = Path(__file__).resolve().parents[3] / "examples" / "plans"
RG = f"/subscriptions/{IDS['SUBSCRIPTION']}/resourceGroups"
VALUES = {**IDS, "APP_RG_ID": f"{RG}/rg-app", "VAULT_ID": f"{RG}/rg-backup/providers/Microsoft.RecoveryServices/"
          "vaults/vault-weu", **{f"{tier}_VM_ID": f"{RG}/rg-app/providers/Microsoft.Compute/virtualMachines/vm-{tier}"
                                 for tier in ("DB", "APP", "WEB")}}
FILES = sorted(p.name for p in PLANS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def load(name: str, tmp_path: Path) -> PlanRequest:
    filled = tmp_path / name
    filled.write_text(Template((PLANS / name).read_text()).substitute(VALUES))
    return validate_plan(read_plan_file(str(filled)))


@pytest.mark.parametrize("name", FILES)
def test_every_example_plan_is_valid_and_in_scope(name: str, tmp_path: Path) -> None:
    plan = load(name, tmp_path)
    assert all(is_allowed(rid, (f"/subscriptions/{IDS['SUBSCRIPTION']}",)) for rid in scope_ids(plan).values())


def test_the_examples_hold_a_three_tier_plan_and_a_whole_vault_cross_region_plan_in_yaml(tmp_path: Path) -> None:
    tiers = load("three-tier.yaml", tmp_path)
    assert [g.name for g in tiers.all_groups()] == ["database", "application", "web"]
    assert all(g.selector and g.selector.resource_group_ids and g.selector.tags for g in tiers.all_groups())
    vault = load("whole-vault-cross-region.yaml", tmp_path)
    assert vault.vault_id == VALUES["VAULT_ID"] and vault.cross_region is True
    assert {"three-tier.json", "whole-vault-cross-region.json"} <= set(FILES)
