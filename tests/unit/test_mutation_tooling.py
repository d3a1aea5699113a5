"""`make mutation`'s runner works: mutmut (pinned in requirements-dev.txt) mutates a tiny project, its tests kill what
they check, the untested function's mutants survive by name, and the score is computed from mutmut's verdicts."""

from __future__ import annotations

from pathlib import Path

from bench.mutation import parse_results, run

OPS = '''
def clamp(value, low, high):
    return max(low, min(value, high))


def untested(value):
    return value * 2
'''
TESTS = '''
from calc.ops import clamp


def test_clamp():
    assert clamp(5, 0, 3) == 3
    assert clamp(-1, 0, 3) == 0
    assert clamp(2, 0, 3) == 2
'''
CONFIG = '''
[tool.mutmut]
source_paths = ["calc"]
pytest_add_cli_args_test_selection = ["tests"]
use_git_change_detection = false
'''


def test_the_mutation_runner_scores_a_tiny_project_and_names_its_survivors(tmp_path: Path) -> None:
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "__init__.py").write_text("")
    (tmp_path / "calc" / "ops.py").write_text(OPS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ops.py").write_text(TESTS)
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    score = run([], cwd=tmp_path)
    assert score.killed >= 1, score.lines()
    assert score.survivors and all("untested" in name for name in score.survivors), score.lines()
    assert score.percent is not None and 0 < score.percent < 100
    assert score.lines()[0].startswith("mutation score: ")


def test_mutmut_verdicts_are_counted_as_killed_survived_or_not_run() -> None:
    text = ("    a.x__mutmut_1: killed\n    a.x__mutmut_2: survived\n    a.x__mutmut_3: timeout\n"
            "    a.x__mutmut_4: no tests\n    a.x__mutmut_5: not checked\n")
    score = parse_results(text)
    assert (score.killed, score.tested) == (2, 4)
    assert score.survivors == ["a.x__mutmut_2 (survived)", "a.x__mutmut_4 (no tests)"]
    assert score.percent == 50.0
