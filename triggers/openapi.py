"""The OpenAPI 3.1 document of the HTTP API, generated from the pydantic models (GET /api/openapi.json)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from restore.plan import PlanRequest
from restore.request import RestoreRequest
from triggers.incident import IncidentResponse
from triggers.listing import RestoreList
from triggers.openapi_drills import MODELS as DRILL_MODELS
from triggers.openapi_drills import drill_paths
from triggers.plan_intake import IncidentPlanResponse
from triggers.plan_views import PlanView
from triggers.problems import Problem
from triggers.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from triggers.views import RETRY_AFTER_MAX_SECONDS, RETRY_AFTER_SECONDS, RestoreStarted, RestoreView

REF = "#/components/schemas/{model}"


class RestoreStartBody(RestoreRequest):
    """POST /api/restores body: a RestoreRequest, optionally with the idempotency key as a field."""

    idempotency_key: str | None = Field(default=None, max_length=256,
                                        description="same as the Idempotency-Key header (which wins if both match)")


class ApprovalBody(BaseModel):
    """POST /api/restores/{id}/approve and /reject (and /api/plans/{id}/...) body: who decides and why (kept in the
    result)."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=256, description="who decides; must be in approval.approvers if set")
    reason: str | None = Field(default=None, max_length=1000)


class GenericIncident(RestoreRequest):
    """A generic incident: its ID plus the restore request fields."""

    incident_id: str = Field(max_length=512, description="the incident's ID; a repeat starts nothing new")


_MODELS: list[tuple[type[BaseModel], str]] = [
    (RestoreRequest, "validation"), (RestoreStartBody, "validation"), (GenericIncident, "validation"),
    (ApprovalBody, "validation"),
    (RestoreStarted, "serialization"),
    (RestoreView, "serialization"), (RestoreList, "serialization"), (Problem, "serialization"),
    (IncidentResponse, "serialization"), (PlanRequest, "validation"), (PlanView, "serialization"),
    (IncidentPlanResponse, "serialization"),
    *DRILL_MODELS,
]


def _either(description: str) -> dict[str, Any]:
    """The webhook's answer: the restores it started, or the plan (an incident or alert that asks for one)."""
    schema = {"oneOf": [_ref("IncidentResponse"), _ref("IncidentPlanResponse")]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(name: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    media = "application/problem+json" if name == "Problem" else "application/json"
    response: dict[str, Any] = {"description": description, "content": {media: {"schema": _ref(name)}}}
    if headers:
        response["headers"] = headers
    return response


_POLL_HEADERS = {
    "Location": {"description": "URL to poll (GET /api/restores/{id})", "schema": {"type": "string"}},
    "Retry-After": {"description": f"seconds to wait before polling: just after the orchestration's own next poll, "
                                   f"{RETRY_AFTER_SECONDS}-{RETRY_AFTER_MAX_SECONDS}",
                    "schema": {"type": "integer"}},
}
_ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _paths() -> dict[str, Any]:
    bad, forbidden = _json("Problem", "invalid request: every bad field named"), _json("Problem", "outside scopes")
    not_found = _json("Problem", "no such restore")
    return {
        "/api/restores": {
            "post": {"operationId": "startRestore", "summary": "Start a restore",
                     "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(
                         "RestoreStartBody")}}},
                     "responses": {"202": _json("RestoreStarted", "started (a repeated idempotency key: the "
                                                "running restore, as GET answers it)", _POLL_HEADERS),
                                   "200": _json("RestoreView", "repeated idempotency key: the restore succeeded"),
                                   "400": bad, "403": forbidden,
                                   "409": _json("Problem", "idempotency key reused with a different request (a "
                                                "repeat of a cancelled restore: the RestoreView)"),
                                   "422": _json("RestoreView", "repeated idempotency key: the restore failed")}},
            "get": {"operationId": "listRestores", "summary": "List restores, newest first",
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"type": "string"},
                         "description": "comma-separated: running, succeeded, failed, cancelled"},
                        {"name": "createdAfter", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "continuationToken", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": _json("RestoreList", "one page"), "400": bad}},
        },
        "/api/restores/{id}": {"get": {
            "operationId": "getRestore", "summary": "A restore's state (asynchronous request-reply)",
            "parameters": [_ID_PARAM],
            "responses": {"202": _json("RestoreView", "running", _POLL_HEADERS),
                          "200": _json("RestoreView", "succeeded"), "422": _json("RestoreView", "failed"),
                          "409": _json("RestoreView", "cancelled"), "404": not_found}}},
        "/api/restores/{id}/cancel": {"post": {
            "operationId": "cancelRestore", "summary": "Cancel a running restore", "parameters": [_ID_PARAM],
            "responses": {"202": _json("RestoreView", "cancel requested", _POLL_HEADERS),
                          "409": _json("Problem", "already finished"), "404": not_found}}},
        **{f"/api/restores/{{id}}/{verb}": {"post": {
            "operationId": f"{verb}Restore", "summary": summary, "parameters": [_ID_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ApprovalBody")}}},
            "responses": {"202": _json("RestoreView", "decision passed on", _POLL_HEADERS), "400": bad,
                          "403": _json("Problem", "not one of approval.approvers"),
                          "409": _json("Problem", "finished, or not awaiting approval"), "404": not_found}}}
           for verb, summary in (("approve", "Approve a restore that awaits approval"),
                                 ("reject", "Reject a restore that awaits approval"))},
        **_plan_paths(bad, forbidden),
        **drill_paths(_json, _ref),
        "/api/webhooks/incident": {"post": {
            "operationId": "incidentWebhook", "summary": "Restores for an incident or Azure Monitor alert",
            "parameters": [{"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
                           {"name": TIMESTAMP_HEADER, "in": "header", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                _ref("GenericIncident"), {"type": "object", "description": "Azure Monitor common alert schema"},
                {"type": "object", "description": "a plan: {incidentId, plan: PlanRequest} or {incidentId, "
                                                  "resourceGroupIds | vaultId, ...plan fields} (docs/api.md)"}]}}}},
            "responses": {"202": _either("restores or a plan started"), "200": _either("nothing new started"),
                          "400": bad,
                          "401": _json("Problem", "bad or missing signature"), "403": forbidden,
                          "409": _json("Problem", "incident reused with a different request")}}},
        "/api/health": {"get": {"operationId": "health", "security": [],
                                "responses": {"200": {"description": "the app is up"}}}},
        "/api/openapi.json": {"get": {"operationId": "openapi", "security": [],
                                      "responses": {"200": {"description": "this document"}}}},
    }


def _plan_paths(bad: dict[str, Any], forbidden: dict[str, Any]) -> dict[str, Any]:
    not_found = _json("Problem", "no such plan")
    headers = {**_POLL_HEADERS, "Location": {"description": "URL to poll (GET /api/plans/{id})",
                                             "schema": {"type": "string"}}}
    return {
        "/api/plans": {
            "post": {"operationId": "startPlan", "summary": "Start a restore plan (or a dry run of one)",
                     "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(
                         "PlanRequest")}}},
                     "responses": {"202": {"description": "started", "headers": headers},
                                   "200": _json("PlanView", "this idempotency key already started a plan"),
                                   "400": bad, "403": forbidden,
                                   "409": _json("Problem", "idempotency key reused with a different plan")}},
            "get": {"operationId": "listPlans", "summary": "List plans, newest first",
                    "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}},
                                   {"name": "createdAfter", "in": "query",
                                    "schema": {"type": "string", "format": "date-time"}},
                                   {"name": "top", "in": "query",
                                    "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                    "responses": {"200": {"description": "{items: [PlanView without vms]}"}, "400": bad}},
        },
        "/api/plans/{id}": {"get": {
            "operationId": "getPlan", "summary": "A plan's state: counts per status and group, each VM, summary",
            "parameters": [_ID_PARAM],
            "responses": {"202": _json("PlanView", "running", headers), "200": _json("PlanView", "succeeded"),
                          "422": _json("PlanView", "failed"), "409": _json("PlanView", "cancelled"),
                          "404": not_found}}},
        "/api/plans/{id}/cancel": {"post": {
            "operationId": "cancelPlan", "summary": "Cancel a plan: no more starts, running restores cancelled",
            "parameters": [_ID_PARAM],
            "responses": {"202": _json("PlanView", "cancel requested", headers),
                          "409": _json("Problem", "already finished"), "404": not_found}}},
        **{f"/api/plans/{{id}}/{verb}": {"post": {
            "operationId": f"{verb}Plan", "summary": summary, "parameters": [_ID_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ApprovalBody")}}},
            "responses": {"202": _json("PlanView", "decision passed on", headers), "400": bad,
                          "403": _json("Problem", "not one of approval.approvers"),
                          "409": _json("Problem", "finished, or not awaiting approval"), "404": not_found}}}
           for verb, summary in (("approve", "Approve a plan that awaits approval: its restores start"),
                                 ("reject", "Reject a plan that awaits approval: it ends cancelled"))},
    }


@lru_cache(maxsize=8)
def document(server_url: str = "http://127.0.0.1:7071") -> dict[str, Any]:
    """The OpenAPI 3.1 document for a server at `server_url`."""
    _, schemas = models_json_schema(_MODELS, ref_template=REF, by_alias=True)
    return {
        "openapi": "3.1.0",
        "info": {"title": "VM restore orchestrator", "version": "1.0.0",
                 "description": "Restore Azure VMs from Azure Backup, durably. See docs/api.md."},
        "servers": [{"url": server_url}],
        "security": [{"functionKey": []}, {"functionKeyQuery": []}],
        "paths": _paths(),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
            },
        },
    }
