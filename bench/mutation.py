"""`make mutation`: run mutmut (config: `[tool.mutmut]` in pyproject.toml) and print the score and the survivors.

mutmut rather than cosmic-ray: it runs pytest with the project's own configuration, needs no session database or
operator configuration, generates mutants per function and runs only the tests that reach each one (its stats
pass), which keeps a run over four packages tractable on two cores. `MUTANTS="activities.jobs*"` (glob patterns of
mutant names, space separated) narrows a run; without it every mutant of the four packages is tested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED = frozenset({"killed", "timeout", "caught by type check", "segfault"})
NOT_RUN = frozenset({"not checked", "skipped", "check was interrupted by user"})
_LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+?)\s*$")


@dataclass
class Score:
    """mutmut's verdicts: counts per status, the survivors by name, and the share of tested mutants killed."""

    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def tested(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in NOT_RUN)

    @property
    def killed(self) -> int:
        return sum(n for status, n in self.counts.items() if status in KILLED)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.killed / self.tested if self.tested else None

    def lines(self) -> list[str]:
        pct = "n/a" if self.percent is None else f"{self.percent:.1f} %"
        out = [f"mutation score: {pct} ({self.killed} of {self.tested} mutants killed; "
               + ", ".join(f"{status} {n}" for status, n in sorted(self.counts.items())) + ")"]
        out += [f"  survived: {name}" for name in self.survivors]
        return out


def parse_results(text: str) -> Score:
    """Read `mutmut results --all true` (`    <mutant name>: <status>` lines)."""
    score = Score()
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        status = match["status"]
        score.counts[status] += 1
        if status not in KILLED and status not in NOT_RUN:
            score.survivors.append(f"{match['name']} ({status})")
    return score


def run(patterns: list[str], cwd: Path = ROOT) -> Score:
    """`mutmut run [patterns]` in `cwd`, then its results. Raises: CalledProcessError when mutmut itself failed."""
    mutmut = [sys.executable, "-m", "mutmut"]
    subprocess.run([*mutmut, "run", *patterns], cwd=cwd, check=True)
    results = subprocess.run([*mutmut, "results", "--all", "true"], cwd=cwd, check=True, capture_output=True,
                             text=True)
    return parse_results(results.stdout)


def main() -> int:
    score = run(os.environ.get("MUTANTS", "").split())
    for line in score.lines():
        print(line)
    return 0 if score.tested else 1


if __name__ == "__main__":
    raise SystemExit(main())
