"""The Azure Monitor workbook (infra/workbook/restores.workbook.json), checked offline: deployed by infra/, and every
event name and dimension its KQL reads is one the app emits (restore/events.py: `restore.finished`, emitted by
`restore_vm`, and `plan.finished`, emitted by `restore_plan`), every metric and attribute one it records
(restore/metrics.py, table `customMetrics`), and docs/observability.md documents every one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from restore.contract import OutcomeStatus
from restore.drill_report import Verdict
from restore.events import EVENTS
from restore.instance_ids import Source
from restore.metrics import METRICS
from restore.plan import OnFailure
from restore.plan_status import PlanStatus
from restore.request import RestoreMode
from tests.infra.bicep_ast import INFRA, bicep_files, body, declared_type, parse, properties, string_value

WORKBOOK = INFRA / "workbook" / "restores.workbook.json"
OBSERVABILITY = INFRA.parent / "docs" / "observability.md"
# Bicep's loadTextContent reads files of at most 131,072 characters (Bicep docs, bicep-functions-files).
LOAD_TEXT_MAX = 131_072
DIMENSIONS = {event.NAME: {f.alias or name for name, f in event.model_fields.items()} for event in EVENTS}
ATTRIBUTES = {metric.name: set(metric.attributes) for metric in METRICS}
# What each table holds: the custom events with their dimensions, the custom metrics with their attributes.
TABLES = {"customEvents": ("event", DIMENSIONS), "customMetrics": ("metric", ATTRIBUTES)}
# Dimensions whose values the code draws from a closed set: a literal compared with them must be one of those.
CLOSED = {"outcome": {s.value for s in OutcomeStatus} | {s.value for s in PlanStatus} | {v.value for v in Verdict},
          "source": {s.value for s in Source}, "mode": {m.value for m in RestoreMode},
          "onFailure": {f.value for f in OnFailure}, "validation": {v.value for v in Verdict}}
_EVENT_NAME = re.compile(r"""\bname\s*(?:==|=~)\s*"([^"]*)"|\bname\s+in\s*\(([^)]*)\)""")
_DIMENSION = re.compile(r"""customDimensions(?:\.([A-Za-z_]\w*)|\[\s*["']([^"']+)["']\s*\])""")
_COMPARED = re.compile(r"""tostring\(customDimensions\.(\w+)\)\s*(?:==|=~|!=)\s*"([^"]*)\"""")


def _workbook() -> dict[str, Any]:
    return dict(json.loads(WORKBOOK.read_text()))


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item, groups (type 12) opened."""
    found = []
    for item in items:
        found.append(item)
        if item.get("type") == 12:
            found.extend(_items(item["content"].get("items", [])))
    return found


def _queries(doc: dict[str, Any]) -> dict[str, str]:
    return {i["name"]: i["content"]["query"] for i in _items(doc["items"]) if i.get("type") == 3}


def query_problems(query: str) -> list[str]:
    """What in one KQL query the app does not send: tables, event or metric names, dimensions, values."""
    problems = []
    table = re.match(r"\s*([A-Za-z_]\w*)", query)
    if not table or table.group(1) not in TABLES:
        problems.append(f"reads {table.group(1) if table else '?'}, not customEvents or customMetrics")
    kind, sent = TABLES.get(table.group(1) if table else "", TABLES["customEvents"])
    names = set()
    for single, several in _EVENT_NAME.findall(query):
        names |= {single} if single else {n.strip().strip("\"'") for n in several.split(",")}
    if not names:
        problems.append(f"names no {kind}")
    problems += [f"{kind} {n!r} is not sent by the app" for n in sorted(names - set(sent))]
    known = set().union(*(sent.get(n, set()) for n in names))
    used = {dotted or quoted for dotted, quoted in _DIMENSION.findall(query)}
    problems += [f"dimension {d!r} is not one of {sorted(names)}" for d in sorted(used - known)]
    for dimension, value in _COMPARED.findall(query):
        if dimension in CLOSED and value not in CLOSED[dimension]:
            problems.append(f"{dimension} is never {value!r} (the app sends {sorted(CLOSED[dimension])})")
    return problems


def test_every_query_reads_only_events_and_dimensions_the_app_emits() -> None:
    queries = _queries(_workbook())
    assert queries
    assert {name: query_problems(q) for name, q in queries.items() if query_problems(q)} == {}


def test_the_checker_flags_an_unknown_event_a_dimension_of_another_event_and_a_value_never_sent() -> None:
    assert query_problems('traces | where message == "x"') == ["reads traces, not customEvents or customMetrics",
                                                               "names no event"]
    assert query_problems('customEvents | where name == "restore.started"') == [
        "event 'restore.started' is not sent by the app"]
    assert query_problems('customEvents | where name == "restore.finished" | extend v = customDimensions["vmId"]') == [
        "dimension 'vmId' is not one of ['restore.finished']"]
    problems = query_problems('customEvents | where name == "restore.finished" '
                              '| where tostring(customDimensions.outcome) == "Succeeded"')
    assert len(problems) == 1 and problems[0].startswith("outcome is never 'Succeeded'")
    plan_dimension = 'customEvents | where name == "restore.finished" | extend f = customDimensions.vmsFailed'
    assert query_problems(plan_dimension) == ["dimension 'vmsFailed' is not one of ['restore.finished']"]
    problems = query_problems('customEvents | where name == "plan.finished" '
                              '| where tostring(customDimensions.onFailure) == "stopAfterFirst"')
    assert len(problems) == 1 and problems[0].startswith("onFailure is never 'stopAfterFirst'")


def test_the_checker_holds_metric_queries_to_the_metrics_and_attributes_the_app_records() -> None:
    assert query_problems('customMetrics | where name == "drill.duration"') == [
        "metric 'drill.duration' is not sent by the app"]
    assert query_problems('customMetrics | where name == "drill.finished"') == [
        "metric 'drill.finished' is not sent by the app"]  # an event's name is no metric's
    assert query_problems('customMetrics | where name == "drill.restore.duration" '
                          '| extend c = customDimensions.cleanup') == [
        "dimension 'cleanup' is not one of ['drill.restore.duration']"]
    problems = query_problems('customMetrics | where name == "drill.runs" '
                              '| where tostring(customDimensions.outcome) == "succeeded!"')
    assert len(problems) == 1 and problems[0].startswith("outcome is never 'succeeded!'")
    assert query_problems('customMetrics | where name == "drill.runs" | extend c = customDimensions.cleanup') == []


def test_the_workbook_has_the_charts_the_runbook_asks_for() -> None:
    doc = _workbook()
    assert doc["version"] == "Notebook/1.0"
    items = _items(doc["items"])
    names = [i["name"] for i in items]
    assert len(names) == len(set(names))
    titles = {i["content"]["title"].lower() for i in items if i.get("type") == 3}
    for wanted in ("restores per day by outcome", "by mode and region", "failures by error code",
                   "cross-region share", "achieved recovery time and recovery point", "plans per day by outcome",
                   "plan summaries", "recovery time of succeeded plans", "drill pass rate",
                   "achieved recovery time (minutes) and recovery point", "drill validation failures",
                   "drill restore duration by drill"):
        assert any(wanted in t for t in titles), wanted


def test_the_plan_sections_read_the_plan_event() -> None:
    queries = _queries(_workbook())
    for name in ("plans-per-day", "plan-summaries", "plan-recovery-time"):
        assert '"plan.finished"' in queries[name], name
    summary = queries["plan-summaries"]
    assert all(f"customDimensions.{d}" in summary for d in DIMENSIONS["plan.finished"]), summary


def test_the_drill_sections_read_the_drill_events() -> None:
    queries = _queries(_workbook())
    assert '"drill.finished"' in queries["drill-pass-rate"] and '"drill.finished"' in queries["drill-achieved"]
    assert '"drill.vm.finished"' in queries["drill-vm-trend"] and '"drill.vm.finished"' in queries["drill-failures"]
    achieved = queries["drill-achieved"]
    assert all(f"customDimensions.{d}" in achieved for d in DIMENSIONS["drill.finished"]), achieved
    assert queries["drill-duration-metric"].startswith('customMetrics\n| where name == "drill.restore.duration"')


def test_observability_md_documents_every_event_and_every_dimension_the_code_emits() -> None:
    sections = re.split(r"^### ", OBSERVABILITY.read_text(), flags=re.MULTILINE)
    documented = {}
    for section in sections[1:]:
        title = re.match(r"`([^`]+)`", section)
        if title:
            documented[title.group(1)] = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert {name: documented.get(name) for name in DIMENSIONS} == DIMENSIONS


def test_observability_md_documents_every_metric_its_unit_and_attributes() -> None:
    text = OBSERVABILITY.read_text()
    metrics_section = text[text.index("\n## Metrics\n"):]
    metrics_section = metrics_section[:metrics_section.index("\n## ", 1)]
    sections = re.split(r"^### ", metrics_section, flags=re.MULTILINE)[1:]
    documented = {}
    for section in sections:
        name = re.match(r"`([^`]+)`", section)
        unit = re.search(r"unit `([^`]+)`", section)
        assert name and unit, section[:80]
        documented[name.group(1)] = (unit.group(1), set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)))
    assert documented == {m.name: (m.unit, set(m.attributes)) for m in METRICS}


def test_every_query_follows_the_time_range_parameter_of_the_workbook() -> None:
    items = _items(_workbook()["items"])
    parameters = {p["name"] for i in items if i.get("type") == 9 for p in i["content"]["parameters"]}
    for item in (i for i in items if i.get("type") == 3):
        content = item["content"]
        assert content["timeContextFromParameter"] in parameters, item["name"]
        assert content["resourceType"] == "microsoft.insights/components", item["name"]


def _workbook_resource() -> tuple[Any, Any]:
    for path in bicep_files():
        bicep = parse(path)
        for decl in bicep.declarations("resource_declaration"):
            if declared_type(bicep, decl).lower().startswith("microsoft.insights/workbooks@"):
                return bicep, decl
    raise AssertionError("no Microsoft.Insights/workbooks resource in infra/")


def test_infra_deploys_the_workbook_from_its_file_on_the_application_insights_resource() -> None:
    bicep, decl = _workbook_resource()
    top = properties(bicep, body(decl).obj)
    assert string_value(bicep, top["kind"]) == "shared"
    props = properties(bicep, top["properties"])
    assert string_value(bicep, props["version"]) == _workbook()["version"]
    loaded = re.fullmatch(r"loadTextContent\('([^']+)'\)", bicep.text(props["serializedData"]))
    assert loaded, bicep.text(props["serializedData"])
    assert (Path(bicep.path).parent / loaded.group(1)).resolve() == WORKBOOK.resolve()
    assert len(WORKBOOK.read_text()) <= LOAD_TEXT_MAX
    source = re.fullmatch(r"(\w+)\.id", bicep.text(props["sourceId"]))
    assert source, bicep.text(props["sourceId"])
    target = bicep.declaration("resource_declaration", source.group(1))
    assert target is not None and declared_type(bicep, target).startswith("Microsoft.Insights/components@")
