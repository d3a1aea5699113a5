"""The extension's durable HTTP API (`HttpApiHandler.cs`) under /runtime/webhooks/durabletask and the RPC alias.

Line numbers cite Azure/azure-functions-durable-extension `src/WebJobs.Extensions.DurableTask/` (commit a7c6d694).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devhost import control
from devhost.binding import RPC_PREFIX, WEBHOOK_PREFIX, management_urls
from devhost.config import HostConfig, key_from
from devhost.engine import Engine
from devhost.history import compact_json, iso, parse_iso
from devhost.history_view import history_view
from devhost.rows import Instance, InstanceQuery, RuntimeStatus
from devhost.store import decode_token, encode_token

DEFAULT_PAGE_SIZE = 100  # OrchestrationStatusQueryCondition.cs line 64
MAX_INSTANCE_ID = 256  # DurableClient.cs line 33
_ARGUMENT = "One or more of the arguments submitted is incorrect"  # HttpApiHandler.cs lines 442-449
_SERVER = "Something went wrong while processing your request"


def error(status: int, message: str, exc_message: str, exc_type: str) -> JSONResponse:
    """`CreateErrorResponse(status, message, exception)`: an `HttpError` with the exception's details."""
    return JSONResponse({"Message": message, "ExceptionMessage": exc_message, "ExceptionType": exc_type,
                         "StackTrace": None}, status_code=status)


class DurableApi:
    """Every route DurableOrchestrationClient uses, with the status codes it expects."""

    def __init__(self, engine: Engine, config: HostConfig):
        self.engine, self.config = engine, config

    def routes(self) -> list[Route]:
        table = [
            ("/orchestrators/{name}", self.start, ["POST"]),
            ("/orchestrators/{name}/{instance_id}", self.start, ["POST"]),
            ("/instances", self.list_or_purge, ["GET", "DELETE"]),
            ("/instances/", self.list_or_purge, ["GET", "DELETE"]),
            ("/instances/{instance_id}", self.status_or_purge, ["GET", "DELETE"]),
            ("/instances/{instance_id}/terminate", self.terminate, ["POST"]),
            ("/instances/{instance_id}/raiseEvent/{event}", self.raise_event, ["POST"]),
            ("/instances/{instance_id}/restart", self.restart, ["POST"]),
            ("/instances/{instance_id}/{operation}", self.unsupported, ["POST"]),
        ]
        return [Route(prefix + path, self._guarded(handler), methods=methods)
                for prefix in (WEBHOOK_PREFIX, RPC_PREFIX) for path, handler, methods in table]

    def _guarded(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            if not self._allowed(request):
                return Response(status_code=401)
            return await handler(request)  # type: ignore[no-any-return]
        return endpoint

    def _allowed(self, request: Request) -> bool:
        """Keys enforced: the RPC routes need no key on the loopback RPC listener only (LocalHttpListener.cs binds
        http://127.0.0.1:17071/durabletask/, unreachable from outside the worker); on the public port they are the
        webhook API's alias and, like /runtime/webhooks/durabletask, need the master key (the Functions host admits
        the extension's webhooks with the `durabletask_extension` system key or the master key; this host has no
        system keys, docs/devhost.md "Keys")."""
        if not self.config.enforce_keys:
            return True
        if request.url.path.startswith(RPC_PREFIX + "/") and self._on_rpc_listener(request):
            return True
        headers = {k.lower(): v for k, v in request.headers.items()}
        return key_from(dict(request.query_params), headers) == self.config.master_key

    def _on_rpc_listener(self, request: Request) -> bool:
        server = request.scope.get("server") or (None, None)
        return self.config.rpc_port is not None and tuple(server) == ("127.0.0.1", self.config.rpc_port)

    # -- start (lines 857-899; DurableClient.StartNewAsync, lines 178-217) ---------------------------------
    async def start(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        try:
            input_json = compact_json(json.loads(body)) if body else None
        except json.JSONDecodeError as exc:
            return error(400, "Invalid JSON content", str(exc), "Newtonsoft.Json.JsonReaderException")
        instance_id = request.path_params.get("instance_id") or uuid.uuid4().hex
        refused = self._refuse_start(name, instance_id)
        if refused:
            return error(400, _ARGUMENT, refused, "System.ArgumentException")
        try:
            self.engine.start_instance(name, instance_id, input_json)
        except control.InstanceExistsError as exc:
            return error(500, _SERVER, str(exc), "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException")
        payload = management_urls(_origin(request), self.config, instance_id)
        return JSONResponse(payload, status_code=202, headers={"Location": payload["statusQueryGetUri"],
                                                               "Retry-After": "10"})

    def _refuse_start(self, name: str, instance_id: str) -> str | None:
        names = list(self.engine.registry.orchestrators)
        if name.upper() not in {n.upper() for n in names}:
            listed = "', '".join(names)
            return (f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function. "
                    f"Additional info: The following are the known orchestrator functions: '{listed}'.")
        # `new ArgumentException(nameof(instanceId), "...")` swaps message and parameter name (lines 189-196).
        if instance_id.startswith("@"):
            return "instanceId (Parameter 'Orchestration instance ids must not start with @.')"
        if any(ch in "/\\?#" or unicodedata.category(ch) == "Cc" for ch in instance_id):
            return "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control " \
                   "characters.')"
        if len(instance_id) > MAX_INSTANCE_ID:
            return f"Instance ID lengths must not exceed {MAX_INSTANCE_ID} characters."
        return None

    # -- status / list / purge -----------------------------------------------------------------------------
    async def status_or_purge(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        row = self.engine.store.instance(instance_id)
        if row is None:
            return Response(status_code=404)
        if request.method == "DELETE":
            return JSONResponse({"instancesDeleted": self.engine.purge([instance_id])})
        query = request.query_params
        show_input = _flag(query.get("showInput"), True)  # lines 617-620
        body = status_json(row, show_input)
        if _flag(query.get("showHistory"), False) and row.status != RuntimeStatus.PENDING:
            body["historyEvents"] = history_view(self.engine.store.history(instance_id),
                                                 _flag(query.get("showHistoryOutput"), False), show_input)
        if row.status.is_running:  # lines 644-691
            return JSONResponse(body, status_code=202, headers={"Location": str(request.url), "Retry-After": "5"})
        if row.status == RuntimeStatus.FAILED and _flag(query.get("returnInternalServerErrorOnFailure"), False):
            return JSONResponse(body, status_code=500)
        return JSONResponse(body, status_code=200)

    async def list_or_purge(self, request: Request) -> Response:
        query = request.query_params
        if request.method == "DELETE":
            return self._purge_filtered(request)
        top = _int(query.get("top"), DEFAULT_PAGE_SIZE)
        token = request.headers.get("x-ms-continuation-token")
        after = decode_token(token) if token else None
        page, last = self.engine.store.list_instances(_conditions(request), max(top, 1), after)
        show_input = _flag(query.get("showInput"), True)  # OrchestrationStatusQueryCondition.cs line 79
        # The header is always set; on the last page its value is empty (lines 499-509: a null token added to
        # HttpHeaders becomes an empty value, dotnet/runtime HttpHeaders.ParseAndAddValue).
        headers = {"x-ms-continuation-token": encode_token(last) if last else ""}
        return JSONResponse([status_json(r, show_input) for r in page], headers=headers)

    def _purge_filtered(self, request: Request) -> Response:
        """Lines 569-596: `createdTimeFrom` is required, `createdTimeTo` defaults to now."""
        query = request.query_params
        if not _date(query.get("createdTimeFrom")):
            return JSONResponse("Please provide value for 'createdTimeFrom' parameter.", status_code=400)
        conditions = _conditions(request)
        if not conditions.created_to:
            conditions = InstanceQuery(created_from=conditions.created_from, created_to=self.engine.now_text(),
                                       statuses=conditions.statuses)
        ids = self.engine.store.matching_instances(InstanceQuery(
            created_from=conditions.created_from, created_to=conditions.created_to, statuses=conditions.statuses))
        deleted = self.engine.purge(ids)
        return JSONResponse({"instancesDeleted": deleted}) if deleted else Response(status_code=404)

    # -- control -----------------------------------------------------------------------------------------
    async def terminate(self, request: Request) -> Response:
        reason = request.query_params.get("reason") or ""
        return Response(status_code=self.engine.terminate(request.path_params["instance_id"], reason))

    async def raise_event(self, request: Request) -> Response:
        """Lines 978-1019: 404 unknown, 410 finished, then the body must be application/json."""
        instance_id, name = request.path_params["instance_id"], request.path_params["event"]
        row = self.engine.store.instance(instance_id)
        if row is None:
            return Response(status_code=404)
        if row.status in control.TERMINAL:
            return Response(status_code=410)
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            return JSONResponse({"Message": "Only application/json request content is supported"}, status_code=400)
        body = await request.body()
        try:  # an empty body is no JSON either (MessagePayloadDataConverter.ConvertToJToken)
            input_json = compact_json(json.loads(body))
        except json.JSONDecodeError as exc:
            return error(400, "Invalid JSON content", str(exc), "Newtonsoft.Json.JsonReaderException")
        return Response(status_code=self.engine.raise_event(instance_id, name, input_json))

    async def restart(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        row = self.engine.store.instance(instance_id)
        if row is None:  # DurableClient.RestartAsync, lines 1142-1153 (the typo is theirs)
            return error(400, "InstanceId does not match a valid orchestration instance.",
                         f"An orchestrastion with the instanceId {instance_id} was not found.",
                         "System.ArgumentException")
        fresh = _flag(request.query_params.get("restartWithNewInstanceId"), True)
        new_id = uuid.uuid4().hex if fresh else row.instance_id
        try:
            self.engine.start_instance(row.name, new_id, row.input)
        except control.InstanceExistsError as exc:
            return error(500, _SERVER, str(exc), "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException")
        payload = management_urls(_origin(request), self.config, new_id)
        return JSONResponse(payload, status_code=202, headers={"Location": payload["statusQueryGetUri"],
                                                               "Retry-After": "10"})

    async def unsupported(self, request: Request) -> Response:
        operation = request.path_params["operation"]
        return JSONResponse({"Message": f"The local host does not support '{operation}'."}, status_code=501)


def status_json(row: Instance, show_input: bool) -> dict[str, Any]:
    """The status object of `HttpApiHandler.ConvertFrom` (`StatusResponsePayload`)."""
    return {
        "name": row.name, "instanceId": row.instance_id, "runtimeStatus": row.status.value,
        "input": _load(row.input) if show_input else None, "customStatus": _load(row.custom_status),
        "output": _load(row.output), "createdTime": _short(row.created_time),
        "lastUpdatedTime": _short(row.last_updated_time)}


def _conditions(request: Request) -> InstanceQuery:
    """The filters of lines 458-483; values that do not parse are ignored, as `TryGet...` ignores them."""
    query = request.query_params
    known = {s.value for s in RuntimeStatus}
    statuses = tuple(s for s in ",".join(query.getlist("runtimeStatus")).split(",") if s in known)
    created_from, created_to = _date(query.get("createdTimeFrom")), _date(query.get("createdTimeTo"))
    return InstanceQuery(created_from=created_from, created_to=created_to, statuses=statuses,
                         id_prefix=query.get("instanceIdPrefix") or None)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _short(text: str) -> str:
    return parse_iso(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return iso(parse_iso(text))
    except ValueError:
        return None


def _flag(value: str | None, default: bool) -> bool:
    """`bool.TryParse`: only true/false (any case, trimmed) count; anything else keeps the default."""
    word = (value or "").strip().lower()
    return default if word not in ("true", "false") else word == "true"


def _int(value: str | None, default: int) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
