"""Every Bicep file under infra/ reads cleanly with the tree-sitter Bicep grammar."""

from __future__ import annotations

import pytest

from tests.infra.bicep_ast import INFRA, bicep_files, declared_type, parse, parse_text, problems

EXPECTED = {
    "main.bicep",
    "modules/alerts.bicep",
    "modules/eventgrid.bicep",
    "modules/functionapp.bicep",
    "modules/identity.bicep",
    "modules/keyvault.bicep",
    "modules/monitoring.bicep",
    "modules/rbac-staging-storage.bicep",
    "modules/rbac-restore-target-role.bicep",
    "modules/rbac-subscription.bicep",
    "modules/rbac-target-rg.bicep",
    "modules/rbac-vault.bicep",
    "modules/storage.bicep",
}


def test_infra_holds_the_expected_bicep_files():
    assert {p.relative_to(INFRA).as_posix() for p in bicep_files()} >= EXPECTED


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_bicep_file_parses_without_error_or_missing_nodes(path):
    bicep = parse(path)
    bad = [(n.type, n.start_point.row + 1, bicep.text(n)[:60]) for n in problems(bicep.root)]
    assert bad == []
    assert bicep.root.named_child_count > 0


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_every_module_reference_points_at_a_local_file(path):
    bicep = parse(path)
    for decl in bicep.declarations("module_declaration"):
        ref = declared_type(bicep, decl)
        assert not ref.startswith(("br:", "br/", "ts:", "ts/")), f"{ref}: registry modules cannot be checked offline"
        assert (path.parent / ref).is_file(), ref


def test_grammar_reports_broken_bicep():
    broken = parse_text("resource r 'A/b@2020-01-01' = {\n  name: 'x'\n")
    assert problems(broken.root)
