"""The drill routes of the OpenAPI document (docs/api.md "Drills")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from restore.drill_report import CustomVerdict, DrillReport
from restore.drills import Drill

MODELS: list[tuple[type[BaseModel], str]] = [(Drill, "validation"), (DrillReport, "serialization"),
                                             (CustomVerdict, "validation")]
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def drill_paths(json_response: Any, ref: Any) -> dict[str, Any]:
    """`json_response(model, description)` and `ref(model)` are the document's own helpers."""
    invalid = json_response("Problem", "the DRILLS document is invalid (names the field and reason)")
    unknown = json_response("Problem", "no such drill")
    return {
        "/api/drills": {"get": {
            "operationId": "listDrills", "summary": "The drills: definition, next run, last run",
            "responses": {"200": {"description": "{drills: [{definition: Drill, nextRun, lastRun: DrillReport}]}"},
                          "500": invalid}}},
        "/api/drills/{name}/run": {"post": {
            "operationId": "runDrill", "summary": "Start a run of a drill now", "parameters": [_NAME],
            "responses": {"202": {"description": "{id, drill}; Location: /api/drills/runs/{id}"},
                          "404": unknown, "500": invalid}}},
        "/api/drills/{name}/runs": {"get": {
            "operationId": "listDrillRuns", "summary": "The runs of a drill, newest first", "parameters": [_NAME],
            "responses": {"200": {"description": "{runs: [{id, runtimeStatus, createdTime}]}"}, "404": unknown}}},
        "/api/drills/runs/{id}": {"get": {
            "operationId": "getDrillRun", "summary": "A run's report (a shorter view while it runs)",
            "parameters": [_ID],
            "responses": {"200": json_response("DrillReport", "the report"),
                          "404": json_response("Problem", "no such run")}}},
        "/api/drills/runs/{id}/validation": {"put": {
            "operationId": "putDrillVerdict", "summary": "The custom validation's verdict", "parameters": [_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CustomVerdict")}}},
            "responses": {"202": {"description": "the run takes the verdict"},
                          "400": json_response("Problem", "the verdict is invalid"),
                          "409": json_response("Problem", "the run does not wait for a verdict"),
                          "404": json_response("Problem", "no such run")}}},
    }
