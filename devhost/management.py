"""The extension's durable HTTP API (HttpApiHandler.cs) under /runtime/webhooks/durabletask and the RPC alias."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devhost import control
from devhost.binding import RPC_PREFIX, WEBHOOK_PREFIX, management_urls
from devhost.config import HostConfig, key_from
from devhost.engine import Engine
from devhost.history import describe, iso, parse_iso

RUNNING_FOR_STATUS = {"Pending", "Running", "ContinuedAsNew", "Suspended"}
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


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
        if not self.config.enforce_keys:
            return True
        if request.url.path.startswith(RPC_PREFIX + "/"):
            return (request.client.host if request.client else "") in _LOOPBACK
        headers = {k.lower(): v for k, v in request.headers.items()}
        return key_from(dict(request.query_params), headers) == self.config.master_key

    # -- start -------------------------------------------------------------------------------------------
    async def start(self, request: Request) -> Response:
        name = request.path_params["name"]
        instance_id = request.path_params.get("instance_id") or uuid.uuid4().hex
        if name not in self.engine.registry.orchestrators:
            message = f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function."
            return JSONResponse({"Message": message, "ExceptionMessage": message}, status_code=400)
        if len(instance_id) > 256 or any(ch in instance_id for ch in "/\\?#"):
            message = "Instance ID is invalid (at most 256 characters, none of / \\ ? #)."
            return JSONResponse({"Message": message, "ExceptionMessage": message}, status_code=400)
        body = await request.body()
        try:
            input_json = json.dumps(json.loads(body)) if body.strip() else None
        except json.JSONDecodeError:
            return JSONResponse({"Message": "Request content is not valid JSON."}, status_code=400)
        try:
            self.engine.start_instance(name, instance_id, input_json)
        except control.InstanceExistsError as exc:
            return JSONResponse({"Message": "An error has occurred.", "ExceptionMessage": str(exc),
                                 "ExceptionType": "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException"},
                                status_code=500)
        payload = management_urls(_origin(request), self.config, instance_id)
        return JSONResponse(payload, status_code=202, headers={"Location": payload["statusQueryGetUri"],
                                                               "Retry-After": "10"})

    # -- status / list / purge ---------------------------------------------------------------------------
    async def status_or_purge(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        row = self.engine.store.instance(instance_id)
        if request.method == "DELETE":
            if row is None:
                return Response(status_code=404)
            return JSONResponse({"instancesDeleted": self.engine.purge([instance_id])})
        if row is None:
            return Response(status_code=404)
        query = request.query_params
        body = status_json(row, show_input=_flag(query.get("showInput"), True))
        if _flag(query.get("showHistory"), False):
            body["historyEvents"] = [describe(e, _flag(query.get("showHistoryOutput"), False))
                                     for e in self.engine.store.history(instance_id)]
        status = row["runtime_status"]
        if status in RUNNING_FOR_STATUS:
            return JSONResponse(body, status_code=202, headers={"Location": str(request.url), "Retry-After": "5"})
        if status == "Failed" and _flag(query.get("returnInternalServerErrorOnFailure"), False):
            return JSONResponse(body, status_code=500)
        return JSONResponse(body, status_code=200)

    async def list_or_purge(self, request: Request) -> Response:
        rows = self._filtered(request)
        if request.method == "DELETE":
            deleted = self.engine.purge([r["instance_id"] for r in rows])
            return JSONResponse({"instancesDeleted": deleted}, status_code=200 if deleted else 404)
        top = int(request.query_params.get("top") or 0)
        skip = int(request.headers.get("x-ms-continuation-token") or 0)
        page = rows[skip:skip + top] if top else rows[skip:]
        headers = {"x-ms-continuation-token": str(skip + top)} if top and skip + top < len(rows) else {}
        show_input = _flag(request.query_params.get("showInput"), False)
        return JSONResponse([status_json(r, show_input) for r in page], headers=headers)

    def _filtered(self, request: Request) -> list[dict[str, Any]]:
        query = request.query_params
        clauses, args = [], []
        if query.get("createdTimeFrom"):
            clauses.append("created_time >= ?")
            args.append(_iso(query["createdTimeFrom"]))
        if query.get("createdTimeTo"):
            clauses.append("created_time <= ?")
            args.append(_iso(query["createdTimeTo"]))
        statuses = [s for s in (query.get("runtimeStatus") or "").split(",") if s]
        if statuses:
            clauses.append(f"runtime_status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        if query.get("instanceIdPrefix"):
            clauses.append("instance_id LIKE ? ESCAPE '\\'")
            prefix = query["instanceIdPrefix"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(prefix + "%")
        return self.engine.store.list_instances(" AND ".join(clauses), tuple(args))

    # -- control -----------------------------------------------------------------------------------------
    async def terminate(self, request: Request) -> Response:
        reason = request.query_params.get("reason") or ""
        return Response(status_code=self.engine.terminate(request.path_params["instance_id"], reason))

    async def raise_event(self, request: Request) -> Response:
        body = await request.body()
        try:
            input_json = json.dumps(json.loads(body)) if body.strip() else None
        except json.JSONDecodeError:
            return JSONResponse({"Message": "Only application/json request content is supported"}, status_code=400)
        status = self.engine.raise_event(request.path_params["instance_id"], request.path_params["event"], input_json)
        return Response(status_code=status)

    async def restart(self, request: Request) -> Response:
        row = self.engine.store.instance(request.path_params["instance_id"])
        if row is None:
            return Response(status_code=404)
        fresh = _flag(request.query_params.get("restartWithNewInstanceId"), True)
        new_id = uuid.uuid4().hex if fresh else row["instance_id"]
        try:
            self.engine.start_instance(row["name"], new_id, row["input"])
        except control.InstanceExistsError as exc:
            return JSONResponse({"Message": str(exc)}, status_code=500)
        return JSONResponse(new_id, status_code=202)

    async def unsupported(self, request: Request) -> Response:
        operation = request.path_params["operation"]
        return JSONResponse({"Message": f"The local host does not support '{operation}'."}, status_code=501)


def status_json(row: dict[str, Any], show_input: bool) -> dict[str, Any]:
    """The status object of `HttpApiHandler.HandleGetStatusRequestAsync`."""
    return {
        "name": row["name"], "instanceId": row["instance_id"], "runtimeStatus": row["runtime_status"],
        "input": _load(row["input"]) if show_input else None, "customStatus": _load(row["custom_status"]),
        "output": _load(row["output"]), "createdTime": _short(row["created_time"]),
        "lastUpdatedTime": _short(row["last_updated_time"])}


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _short(text: str) -> str:
    return parse_iso(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(text: str) -> str:
    moment: datetime = parse_iso(text)
    return iso(moment)


def _flag(value: str | None, default: bool) -> bool:
    return default if value is None or value == "" else value.strip().lower() == "true"


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
