"""The OpenAPI document: each endpoint of docs/contract/http-api.md, each field and error."""

from __future__ import annotations

from typing import Any

import pytest

from escalations_intake.http.app import create_app
from escalations_intake.settings import IntakeSettings

SPEC: dict[str, Any] = create_app(IntakeSettings()).openapi()
OPERATIONS = [
    (path, method, op) for path, item in SPEC["paths"].items() for method, op in item.items()
]
# PagerDuty clients authenticate with `routing_key` in the body and read PagerDuty's errors.
PAGERDUTY = {"/v1/integrations/pagerduty", "/v2/enqueue"}
# Calendar apps cannot send headers: the feed URL's secret is the credential.
PUBLIC = {"/healthz", "/readyz", "/v1/ack/{token}", "/v1/feeds/{secret}.ics", *PAGERDUTY}


def test_every_spec_endpoint_is_documented() -> None:
    """All endpoints of docs/contract/http-api.md are in the document."""
    expected = {
        ("post", "/v1/escalations"),
        ("get", "/v1/escalations/{escalation_id}"),
        ("get", "/v1/escalations"),
        ("post", "/v1/escalations/{escalation_id}/acknowledge"),
        ("post", "/v1/escalations/{escalation_id}/resolve"),
        ("post", "/v1/escalations/{escalation_id}/reassign"),
        ("get", "/v1/oncall"),
        ("post", "/v1/simulate"),
        ("post", "/v1/teams/{team}/overrides"),
        ("post", "/v1/people/{person}/time-off"),
        ("get", "/v1/teams/{team}/schedule.ics"),
        ("get", "/v1/people/{person}/oncall.ics"),
        ("get", "/v1/teams/{team}/overrides"),
        ("delete", "/v1/teams/{team}/overrides/{override_id}"),
        ("get", "/v1/people/{person}/time-off"),
        ("delete", "/v1/people/{person}/time-off/{time_off_id}"),
        ("get", "/v1/feeds/{secret}.ics"),
        ("post", "/v1/integrations/alertmanager"),
        ("post", "/v1/integrations/pagerduty"),
        ("post", "/v2/enqueue"),
        ("get", "/v1/ack/{token}"),
        ("post", "/v1/ack/{token}"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/v1/audit"),
        ("post", "/v1/people/{person}/tokens"),
        ("get", "/v1/people/{person}/tokens"),
        ("delete", "/v1/people/{person}/tokens/{token_id}"),
    }
    assert set() == expected - {(m, p) for p, m, _ in OPERATIONS}


def test_every_field_has_a_description() -> None:
    """No schema property is left without prose."""
    missing = [
        f"{name}.{field}"
        for name, schema in SPEC["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert [] == missing


@pytest.mark.parametrize(
    ("path", "method", "op"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS]
)
def test_every_operation_documents_its_errors(path: str, method: str, op: dict[str, Any]) -> None:
    """Authenticated operations list 401/403/429; bodies list 413 and 422; errors are problems."""
    codes = set(op["responses"])
    assert op.get("summary"), "summary"
    assert op.get("description"), "description"
    if path not in PUBLIC:
        assert {"401", "403", "429"} <= codes
        assert [{"apiKey": []}] == op.get("security")
    if "requestBody" in op and path != "/v1/ack/{token}":
        assert "413" in codes
        assert {"400", "422"} & codes
    # Browsers open acknowledge links: their GET errors about the link are HTML pages.
    html_page = (path, method) == ("/v1/ack/{token}", "get")
    for code, response in op["responses"].items():
        if code >= "400" and (path, code) != ("/readyz", "503"):
            wanted = "text/html" if html_page and code != "422" else "application/problem+json"
            if path in PAGERDUTY:
                wanted = "application/json"
            assert wanted in response.get("content", {}), code


def test_enums_and_examples_are_published() -> None:
    """Policy areas are an enum in the document, and create carries worked examples."""
    schemas = SPEC["components"]["schemas"]
    assert "child_safety" in schemas["PolicyArea"]["enum"]
    examples = SPEC["paths"]["/v1/escalations"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    assert {"terreg", "threat", "minimal"} == set(examples)


def test_problem_schema_is_rfc_9457() -> None:
    """Errors are described by a ProblemDetails schema with the RFC fields."""
    problem = SPEC["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail"} <= set(problem["properties"])


def test_text_parameters_state_that_nul_is_refused() -> None:
    """Every free-text query or path parameter carries a pattern (NUL is refused with 422)."""
    free = [
        f"{method} {path} {p['name']}"
        for path, method, op in OPERATIONS
        for p in op.get("parameters", [])
        if p["in"] in ("path", "query") and "pattern" not in p["schema"]
        for option in p["schema"].get("anyOf", [p["schema"]])
        if option.get("type") == "string" and not {"pattern", "enum", "format"} & set(option)
    ]
    assert [] == free
