"""The OpenAPI document: FastAPI's, plus descriptions for the shared models' fields.

The request and event models live in the shared package, where they carry no prose; the
descriptions users read in ``/docs`` are kept here, and a test requires one for every field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from escalations_intake.http.problems import PROBLEM_JSON
from escalations_intake.integrations.alertmanager_payload import ALERT_SCHEMA, AlertmanagerAlert
from escalations_intake.openapi.errors import ProblemDetails
from escalations_intake.openapi.field_docs import FIELD_DOCS

# Postgres text cannot hold NUL: query and path parameters with one are refused (422).
NO_NUL = "^[^\\x00]*$"


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """Return the app's OpenAPI document with every field and error documented."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemDetails"] = problem
    # Read from the body one by one (so not a model FastAPI sees), referenced by name.
    schemas[ALERT_SCHEMA] = AlertmanagerAlert.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for name, fields in FIELD_DOCS.items():
        for field, text in fields.items():
            prop = schemas.get(name, {}).get("properties", {}).get(field)
            if prop is not None and "description" not in prop:
                prop["description"] = text
    for path in spec["paths"].values():
        for operation in path.values():
            _problem_only(operation.get("responses", {}))
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query"):
                    _no_nul(parameter["schema"])
    # FastAPI's own validation error schema is never sent: validation errors are problems.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec


def _no_nul(schema: dict[str, Any]) -> None:
    """State that a text parameter holds no NUL, as ``http.query.reject_unknown_query`` enforces."""
    if "pattern" in schema:  # stated for every option already
        return
    for option in schema.get("anyOf", [schema]):
        free = not {"pattern", "enum", "format"} & set(option)
        if option.get("type") == "string" and free:
            option["pattern"] = NO_NUL


def _problem_only(responses: dict[str, Any]) -> None:
    """Leave errors documented as problem+json only (FastAPI adds application/json)."""
    ref = {"$ref": "#/components/schemas/ProblemDetails"}
    for code, response in responses.items():
        content = response.get("content", {})
        if code == "422" and "HTTPValidationError" in str(content):
            response["description"] = "Invalid parameter; the detail names it"
            response["content"] = {PROBLEM_JSON: {"schema": ref}}
        elif code >= "400" and PROBLEM_JSON in content:
            content.pop("application/json", None)
