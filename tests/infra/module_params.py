"""Module calls pass only parameters the module declares, and every parameter it declares without a default
(the Bicep compiler's BCP037 / BCP035 for modules)."""

from __future__ import annotations

from tests.infra.bicep_ast import BicepFile, module_params, module_target, parse


def problems(bicep: BicepFile) -> list[str]:
    found = []
    for decl in bicep.declarations("module_declaration"):
        target = parse(module_target(bicep, decl))
        declared = {target.text(d.children[1]): d for d in target.declarations("parameter_declaration")}
        required = {name for name, d in declared.items() if d.children[-2].type != "="}
        given = set(module_params(bicep, decl))
        where = f"{bicep.path.name}:{decl.start_point.row + 1}: module {bicep.text(decl.children[1])}"
        unknown = sorted(given - declared.keys())
        found += [f"{where}: {name} is not a parameter of {target.path.name}" for name in unknown]
        found += [f"{where}: required parameter {name} is not passed" for name in sorted(required - given)]
    return found
