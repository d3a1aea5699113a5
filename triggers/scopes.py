"""RESTORE_ALLOWED_SCOPES at the front doors: every ID the request names, as field problems (see restore/scopes.py)."""

from __future__ import annotations

from collections.abc import Iterable

from restore.request import RestoreRequest
from restore.scopes import request_scope_problems
from triggers.problems import FieldProblem, field_path


def scope_problems(request: RestoreRequest, scopes: Iterable[str], prefix: str = "") -> list[FieldProblem]:
    """One problem per source/target ID outside every allowed scope (an empty scope list allows nothing)."""
    return [FieldProblem(field=field_path((name,), prefix), reason="outside RESTORE_ALLOWED_SCOPES")
            for name in request_scope_problems(request, scopes)]
