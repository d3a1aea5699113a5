"""An app module's functions, as the Functions host indexes them (`app.get_functions()`).

azure-functions refuses a second `get_functions()` on one app object (`FunctionApp.validate_function_names` keeps
the names it saw), so the suite lists them once and leaves the app as it found it for other tests in the run.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any


@cache
def listed(module: str) -> tuple[Any, ...]:
    mod = importlib.import_module(module)
    app = next(v for v in vars(mod).values() if hasattr(v, "get_functions") and not isinstance(v, type))
    seen = app.functions_bindings
    try:
        return tuple(app.get_functions())
    finally:
        app.functions_bindings = seen
