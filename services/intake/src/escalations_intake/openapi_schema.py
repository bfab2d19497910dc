"""The OpenAPI document: FastAPI's, plus descriptions for the shared models' fields.

The request and event models live in the shared package, where they carry no prose; the
descriptions users read in ``/docs`` are kept here, and a test requires one for every field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from escalations_intake.field_docs import FIELD_DOCS
from escalations_intake.openapi_docs import ProblemDetails
from escalations_intake.problems import PROBLEM_JSON


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
    for name, fields in FIELD_DOCS.items():
        for field, text in fields.items():
            prop = schemas.get(name, {}).get("properties", {}).get(field)
            if prop is not None and "description" not in prop:
                prop["description"] = text
    for path in spec["paths"].values():
        for operation in path.values():
            _problem_only(operation.get("responses", {}))
    # FastAPI's own validation error schema is never sent: validation errors are problems.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec


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
