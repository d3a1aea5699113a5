"""Discover the app's functions through azure-functions (`app.get_functions()`) and their bindings."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devhost.ncrontab import is_ncrontab


@dataclass
class HttpFunction:
    name: str
    func: Callable[..., Any]
    route: str
    methods: list[str]
    auth_level: str
    trigger_arg: str
    client_arg: str | None
    has_return: bool


@dataclass
class TimerFunction:
    name: str
    func: Callable[..., Any]
    arg_name: str
    client_arg: str | None
    schedule: str
    use_monitor: bool = True
    run_on_startup: bool = False


@dataclass
class Registry:
    """The functions of one app, by trigger type."""

    http: list[HttpFunction] = field(default_factory=list)
    orchestrators: dict[str, Callable[..., Any]] = field(default_factory=dict)
    activities: dict[str, tuple[Callable[..., Any], str]] = field(default_factory=dict)
    # activity name -> its `durableClient` argument: any function may take the client binding ("client functions",
    # Learn durable-functions-bindings#orchestration-client), activities included
    activity_clients: dict[str, str] = field(default_factory=dict)
    eventgrid: dict[str, tuple[Callable[..., Any], str, str | None]] = field(default_factory=dict)
    timers: list[TimerFunction] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _value(raw: Any) -> Any:
    return getattr(raw, "value", raw)


def _bindings(function: Any) -> list[dict[str, Any]]:
    return [{k: _value(v) for k, v in b.get_dict_repr().items()} for b in function.get_bindings()]


def load(app_module: str) -> Registry:
    """Import `app_module`, find its FunctionApp/DFApp and index every function."""
    module = importlib.import_module(app_module)
    app = next((v for v in vars(module).values() if hasattr(v, "get_functions") and not inspect.isclass(v)), None)
    if app is None:
        raise RuntimeError(f"module {app_module!r} defines no FunctionApp (an object with get_functions())")
    return index(app.get_functions())


def index(functions: Any) -> Registry:
    """Index functions the app already listed (`get_functions()` may be called once per app)."""
    registry = Registry()
    for function in functions:
        _index(registry, function)
    return registry


def _index(registry: Registry, function: Any) -> None:
    name = function.get_function_name()
    user_func = function.get_user_function()
    bindings = _bindings(function)
    trigger = next((b for b in bindings if b["type"].lower().endswith("trigger")), None)
    client = next((b["name"] for b in bindings if b["type"] == "durableClient"), None)
    if trigger is None:
        registry.unsupported.append(name)
        return
    kind = trigger["type"]
    if kind == "httpTrigger":
        methods = [str(_value(m)).upper() for m in (trigger.get("methods") or [])] or \
            ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
        registry.http.append(HttpFunction(
            name=name, func=user_func, route=(trigger.get("route") or name).strip("/"), methods=methods,
            auth_level=str(trigger.get("authLevel") or "function").lower(), trigger_arg=trigger["name"],
            client_arg=client, has_return=any(b["name"] == "$return" for b in bindings)))
    elif kind == "orchestrationTrigger":
        registry.orchestrators[trigger.get("orchestration") or name] = user_func
    elif kind == "activityTrigger":
        registry.activities[trigger.get("activity") or name] = (user_func, trigger["name"])
        if client:
            registry.activity_clients[trigger.get("activity") or name] = client
    elif kind == "eventGridTrigger":
        registry.eventgrid[name] = (user_func, trigger["name"], client)
    elif kind == "timerTrigger" and is_ncrontab(str(trigger.get("schedule") or "")):
        registry.timers.append(TimerFunction(
            name=name, func=user_func, arg_name=trigger["name"], client_arg=client, schedule=str(trigger["schedule"]),
            use_monitor=trigger.get("useMonitor") is not False, run_on_startup=bool(trigger.get("runOnStartup"))))
    else:
        registry.unsupported.append(name)


def call_kwargs(func: Callable[..., Any], values: dict[str, Any], function_name: str) -> dict[str, Any]:
    """Keyword arguments for `func`: the bound values plus a `context` when the function asks for one."""
    kwargs = dict(values)
    params = inspect.signature(func).parameters
    if "context" in params and "context" not in kwargs:
        kwargs["context"] = InvocationContext(function_name)
    return {k: v for k, v in kwargs.items() if k in params or _takes_kwargs(params)}


def _takes_kwargs(params: Any) -> bool:
    return any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())


class InvocationContext:
    """The small part of `azure.functions.Context` apps read: invocation ID, function name and directory."""

    def __init__(self, function_name: str):
        import uuid

        self.invocation_id = str(uuid.uuid4())
        self.function_name = function_name
        self.function_directory = ""
        self.trace_context = None
        self.retry_context = None
        self.thread_local_storage = None
