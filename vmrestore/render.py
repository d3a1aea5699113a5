"""What `vmrestore` draws with `rich`: a restore's progress row, a plan's live table and its progress bar.

On a terminal a watch redraws in place (`rich.live.Live`); in a pipe or a log it prints a new frame only when
something changed, one plain line per row (no colour, no cursor movement), so logs stay readable and greppable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

BAR_WIDTH = 24
PIPE_WIDTH = 240  # a pipe has no width; wide enough that a row (IDs included) is never wrapped
_DONE = {"succeeded", "failed", "cancelled", "skipped", "validated"}


def console_for(out: TextIO) -> Console:
    tty = out.isatty()
    return Console(file=out, width=None if tty else PIPE_WIDTH, no_color=not tty, highlight=False,
                   force_terminal=tty, soft_wrap=False)


def _percent(value: Any) -> float | None:
    return max(0.0, min(100.0, float(value))) if isinstance(value, int | float) else None


def _bar(pct: float | None, done: bool = False) -> ProgressBar:
    return ProgressBar(total=100, completed=100 if done and pct is None else (pct or 0), width=BAR_WIDTH)


def _pct_text(pct: float | None) -> str:
    return f"{pct:5.1f}%" if pct is not None else "   --%"


def restore_row(body: dict[str, Any]) -> Table:
    """One restore: id, status, phase, a bar and the job percentage (and its job ID)."""
    pct = _percent(body.get("progress"))
    grid = Table.grid(padding=(0, 1))
    job = f"job {body['jobId']}" if body.get("jobId") else ""
    grid.add_row(str(body.get("id")), f"{body.get('status', '?'):<9}", f"{body.get('phase', '?'):<22}",
                 _bar(pct, body.get("status") == "succeeded"), _pct_text(pct), job)
    return grid


def as_text(renderable: RenderableType, width: int = PIPE_WIDTH) -> str:
    """The renderable as plain text (for tests and for `list`)."""
    console = Console(width=width, no_color=True, highlight=False, force_terminal=False, soft_wrap=False)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get().rstrip("\n")


def eta_text(eta: Any, now: datetime) -> str:
    """`in 3m 20s` for an ISO time (the API's ETA), `-` when there is none."""
    if not isinstance(eta, str):
        return "-"
    try:
        when = datetime.fromisoformat(eta)
    except ValueError:
        return "-"
    seconds = max(0, int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() - now.timestamp()))
    hours, rest = divmod(seconds, 3600)
    return f"in {hours}h {rest // 60:02d}m" if hours else f"in {rest // 60}m {rest % 60:02d}s"


def _vm_name(vm: dict[str, Any]) -> str:
    source = vm.get("vmId") or ""
    return str(source).rstrip("/").rsplit("/", 1)[-1].split(";")[-1] or f"#{vm.get('index')}"


def vm_result(vm: dict[str, Any]) -> str:
    """How a VM ended (its error code, the point a dry run would use), or nothing while it runs."""
    state = str(vm.get("state", ""))
    error = vm.get("error") or {}
    if error.get("code"):
        return f"{state}: {error['code']}"
    point = (vm.get("recoveryPoint") or {}).get("name")
    if state == "validated" and point:
        return f"validated (point {point})"
    return state if state in _DONE else ""


def _vm_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every VM of the plan: those the API lists (started or ended), the others as pending; each with its group
    (a plan numbers its VMs group after group, `groups` gives how many each has)."""
    vms = {int(vm["index"]): vm for vm in body.get("vms") or [] if isinstance(vm.get("index"), int)}
    total = int(body.get("total") or 0)
    names = [str(g.get("name")) for g in body.get("groups") or [] for _ in range(int(g.get("total") or 0))]
    rows = [vms.get(n, {"index": n, "state": "pending"}) for n in range(total)] + \
        [vms[n] for n in sorted(vms) if n >= total]
    return [{**row, "group": row.get("group") or (names[row["index"]] if row["index"] < len(names) else None)}
            for row in rows]


def plan_table(body: dict[str, Any], now: datetime) -> Table:
    """One row per VM: number, group, VM, phase, a progress bar, ETA and result."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("#", "group", "vm", "phase", "progress", "", "eta", "result"):
        table.add_column(name, no_wrap=True)
    for vm in _vm_rows(body):
        state = str(vm.get("state", "pending"))
        pct = _percent(vm.get("progress"))
        table.add_row(str(vm.get("index")), str(vm.get("group") or "-"), _vm_name(vm),
                      str(vm.get("phase") or state) if state == "running" else state, _bar(pct, state == "succeeded"),
                      _pct_text(pct),
                      eta_text(vm.get("eta"), now) if state == "running" else "-", vm_result(vm))
    return table


def plan_bar(body: dict[str, Any], now: datetime) -> Table:
    """The plan: its status, how many VMs ended out of how many, a bar, and the plan's ETA."""
    counts: dict[str, int] = body.get("counts") or {}
    total = int(body.get("total") or sum(counts.values()))
    done = sum(n for state, n in counts.items() if state in _DONE)
    grid = Table.grid(padding=(0, 1))
    summary = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
    group = f"group {body['group']}" if body.get("group") else ""
    grid.add_row(Text(f"plan {body.get('id')}", style="bold"), str(body.get("status", "?")),
                 str(body.get("phase", "?")), ProgressBar(total=max(total, 1), completed=done, width=BAR_WIDTH),
                 f"{done}/{total} done", group, f"eta {eta_text(body.get('eta'), now)}", summary)
    return grid


def plan_frame(body: dict[str, Any], now: datetime) -> Group:
    return Group(plan_bar(body, now), plan_table(body, now))


class Screen:
    """Where a watch draws: a live region on a terminal, changed frames only in a pipe."""

    def __init__(self, out: TextIO) -> None:
        self.console = console_for(out)
        self.live: Live | None = None
        if out.isatty():
            self.live = Live(console=self.console, refresh_per_second=4, transient=False, auto_refresh=False)
            self.live.start()
        self._last = ""

    def show(self, renderable: RenderableType) -> None:
        text = as_text(renderable)
        if self.live is not None:
            self.live.update(renderable, refresh=True)
        elif text != self._last:
            self.console.print(renderable)
        self._last = text

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
