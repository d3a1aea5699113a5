"""Refresh tests/infra/bicep_types/ from a local git clone of Azure/bicep-types-az (not run by the tests).

    python -m tests.infra.vendor_bicep_types --repo /path/to/bicep-types-az

For every resource type + api-version that infra/ declares, it finds the published `generated/**/types.json` that
defines it, keeps only the type nodes reachable from those resource types (descriptions dropped: the checks need
names, flags and shapes only) and writes one file per source types.json with the repository, commit and path it
came from. The Bicep compiler reads these same definitions (Azure/bicep-types-az README: "Bicep type definitions
for Azure resources"); without the compiler, tests/infra/bicep_types.py checks infra/ against them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.infra.bicep_ast import bicep_files, declared_type, parse

OUT = Path(__file__).resolve().parent / "bicep_types"
REPOSITORY = "Azure/bicep-types-az"


def used_resource_types() -> set[str]:
    """Every `Type@api-version` a resource declaration in infra/ names."""
    found = set()
    for path in bicep_files():
        bicep = parse(path)
        for decl in bicep.declarations("resource_declaration"):
            found.add(declared_type(bicep, decl))
    return found


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def candidate_paths(repo: Path, resource_type: str) -> list[str]:
    """types.json files whose folder is the provider namespace and api-version of `resource_type`."""
    namespace = resource_type.split("/", 1)[0].lower()
    version = resource_type.rsplit("@", 1)[1]
    listing = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", "generated")
    return [p for p in listing.splitlines() if p.endswith(f"/{namespace}/{version}/types.json")]


def _refs(node: Any) -> list[int]:
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return [int(node["$ref"].split("/")[-1])]
        return [i for value in node.values() for i in _refs(value)]
    if isinstance(node, list):
        return [i for value in node for i in _refs(value)]
    return []


def _strip(node: Any, index: dict[int, int]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return {"$ref": f"#/{index[int(node['$ref'].split('/')[-1])]}"}
        # Prose only: a *property* named "description" (an object value) stays.
        return {k: _strip(v, index) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [_strip(v, index) for v in node]
    return node


def subset(types: list[Any], roots: list[int]) -> list[Any]:
    """The nodes reachable from `roots`, renumbered in their original order."""
    keep: set[int] = set()
    todo = list(roots)
    while todo:
        i = todo.pop()
        if i not in keep:
            keep.add(i)
            todo.extend(_refs(types[i]))
    order = sorted(keep)
    index = {old: new for new, old in enumerate(order)}
    return [_strip(types[i], index) for i in order]


def vendor(repo: Path) -> list[Path]:
    """Write one subset file per source types.json; returns the files written."""
    commit = _git(repo, "rev-parse", "HEAD").strip()
    wanted: dict[str, list[str]] = {}
    for resource_type in sorted(used_resource_types()):
        for path in candidate_paths(repo, resource_type):
            text = _git(repo, "show", f"HEAD:{path}")
            if f'"name": "{resource_type}"'.lower() in text.lower():
                wanted.setdefault(path, []).append(resource_type)
                break
        else:
            raise SystemExit(f"{resource_type}: no types.json in {REPOSITORY} defines it")
    OUT.mkdir(exist_ok=True)
    written = []
    for path, names in sorted(wanted.items()):
        types = json.loads(_git(repo, "show", f"HEAD:{path}"))
        lowered = {n.lower() for n in names}
        roots = [i for i, t in enumerate(types) if t.get("$type") == "ResourceType" and t["name"].lower() in lowered]
        doc = {"source": {"repository": REPOSITORY, "commit": commit, "path": path}, "types": subset(types, roots)}
        target = OUT / (path.removeprefix("generated/").replace("/types.json", "").replace("/", "__") + ".json")
        target.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a git clone of Azure/bicep-types-az")
    args = parser.parse_args()
    for stale in OUT.glob("*.json"):
        stale.unlink()
    for path in vendor(args.repo):
        print(path.relative_to(OUT.parent))


if __name__ == "__main__":
    main()
