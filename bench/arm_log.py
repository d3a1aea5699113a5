"""Read the emulator's ARM request log: classify each request and group it by restore."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

Entry = dict[str, Any]


class Kind(StrEnum):
    """What one ARM request was for, from its method and path."""

    TRIGGER = "trigger"
    OPERATION_POLL = "operationPoll"
    JOB_POLL = "jobPoll"
    VALIDATE = "validate"
    OTHER = "other"


_TRIGGER = re.compile(r"/recoveryPoints/[^/?]+/restore(\?|$)|/backupCrossRegionRestore(\?|$)", re.I)
_OPERATION = re.compile(r"/(operationsStatus|operationResults|backupCrrOperationsStatus|backupCrrOperationResults"
                        r"|backupOperations)/", re.I)
_JOB = re.compile(r"/backupJobs/[^/?]+(\?|$)|/backupCrrJob(\?|$)", re.I)
_VALIDATE = re.compile(r"/backup(Trigger)?Validate", re.I)
# Requests that several restores make to the same URL (vault or region level): not attributable to one restore.
SHARED_URL = re.compile(r"/(backupValidateOperation|backupTriggerValidateOperation|backupCrossRegionRestore"
                        r"|backupCrrJobs?|backupAadProperties|backupStatus)(\?|$)|/backupJobs(\?|$)", re.I)


def kind_of(entry: Entry) -> Kind:
    """Classify one request log entry."""
    path, method = str(entry.get("path", "")), str(entry.get("method", "")).upper()
    if method == "POST" and _TRIGGER.search(path):
        return Kind.TRIGGER
    if _OPERATION.search(path):
        return Kind.OPERATION_POLL
    if _JOB.search(path):
        return Kind.JOB_POLL
    if _VALIDATE.search(path):
        return Kind.VALIDATE
    return Kind.OTHER


def is_arm(entry: Entry) -> bool:
    """True for ARM calls (not the managed identity endpoint, not the admin API)."""
    return str(entry.get("path", "")).lower().startswith("/subscriptions/")


def arm_only(entries: Iterable[Entry]) -> list[Entry]:
    return [e for e in entries if is_arm(e)]


def count_kinds(entries: Iterable[Entry]) -> dict[str, int]:
    """Requests per kind, plus `total`."""
    counts = Counter(kind_of(e).value for e in entries)
    return {**{k.value: counts.get(k.value, 0) for k in Kind}, "total": sum(counts.values())}


def restore_posts_by_item(entries: Iterable[Entry]) -> Counter[str]:
    """Primary-region restore POSTs that reached the service, per protected item (lower-cased item path).

    A POST answered by an injected fault (429, 503, dropped connection) never reached the service and started
    nothing, so retrying it is not a second trigger; any other POST counts, whatever the service answered.
    """
    out: Counter[str] = Counter()
    for e in entries:
        if e.get("fault"):
            continue
        if kind_of(e) is Kind.TRIGGER and "/recoverypoints/" in str(e["path"]).lower():
            out[str(e["path"]).lower().split("/recoverypoints/")[0]] += 1
    return out


def service_time(entry: Entry) -> datetime:
    return parse_time(str(entry["serviceTime"]))


def parse_time(text: str) -> datetime:
    """ISO-8601 with `Z` or an offset, and up to 7 fractional digits (as ARM writes them)."""
    text = text.strip().replace("Z", "+00:00")
    match = re.match(r"^(.*?\.\d{1,6})\d*(.*)$", text)
    if match:
        text = match.group(1) + match.group(2)
    return datetime.fromisoformat(text)


def answered_time(entry: Entry) -> datetime:
    """When the emulator's answer left (an entry with a Retry-After was answered, so it has one)."""
    return parse_time(str(entry["answeredTime"]))


def _item_of(path: str) -> str | None:
    """The protected item a primary-region trigger or its operation poll names (lower case), if any."""
    lowered = path.lower().split("?", 1)[0]
    for marker in ("/recoverypoints/", "/operationsstatus/", "/operationresults/"):
        if marker in lowered and "/protecteditems/" in lowered:
            return lowered.split(marker, 1)[0]
    return None


SAME_URL = "sameUrl"  # the next request to the URL whose answer named the Retry-After
TRIGGER_TO_OPERATION = "triggerToOperation"  # the trigger's 202, then the first poll of its operation (another URL)


@dataclass
class RetryAfterReport:
    """The Retry-After gaps a request log shows: how many of each kind were checked, the violations, and the
    smallest slack (gap minus Retry-After, service seconds) seen."""

    by_kind: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    min_slack: float | None = None

    @property
    def checked(self) -> int:
        return sum(self.by_kind.values())


def retry_after_report(entries: Iterable[Entry]) -> RetryAfterReport:
    """Check that no request came sooner than the Retry-After of the answer it follows up.

    Two kinds of follow-up are checked: the next request to the same URL, and the first poll of a restore's
    operation after the `202 Accepted` of its trigger POST (another URL: the tracking URL under the protected item).
    The gap runs from the answer that named the Retry-After (`answeredTime`) to the arrival of the next request
    (`serviceTime`): RFC 9110 §10.2.3, how long to wait "before making a follow-up request" once the answer is in.
    Both instants are the emulator's service clock, so the gap is in the service's seconds whatever the time scale.
    URLs shared by several restores (vault or region level) are skipped.
    """
    last: dict[str, Entry] = {}
    accepted: dict[str, Entry] = {}  # protected item -> its trigger's 202, until the first operation poll
    report = RetryAfterReport()

    def check(prev: Entry, e: Entry, kind: str) -> None:
        report.by_kind[kind] += 1
        gap = (service_time(e) - answered_time(prev)).total_seconds()
        slack = gap - float(prev["retryAfter"])
        report.min_slack = slack if report.min_slack is None else min(report.min_slack, slack)
        if slack + 1e-3 < 0:
            what = "the trigger's 202" if kind == TRIGGER_TO_OPERATION else "the previous answer"
            report.violations.append(f"{e['method']} {e['path']}: {gap:.1f}s after {what} with a Retry-After of "
                                     f"{prev['retryAfter']}s (seq {prev['seq']} -> {e['seq']})")

    for e in sorted(entries, key=service_time):
        url = str(e["path"])
        if SHARED_URL.search(url):
            continue
        item, kind = _item_of(url), kind_of(e)
        if kind is Kind.OPERATION_POLL and item in accepted:
            check(accepted.pop(item), e, TRIGGER_TO_OPERATION)
        prev = last.get(url)
        if prev is not None and prev.get("retryAfter") not in (None, ""):
            check(prev, e, SAME_URL)
        if kind is Kind.TRIGGER and item and e.get("status") == 202 and e.get("retryAfter") not in (None, ""):
            accepted[item] = e
        last[url] = e
    return report


def retry_after_violations(entries: Iterable[Entry]) -> tuple[int, list[str]]:
    """(gaps checked, violations) of `retry_after_report`."""
    report = retry_after_report(entries)
    return report.checked, report.violations
