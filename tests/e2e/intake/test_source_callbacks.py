"""A source's status callback through the real intake and Postgres (docs/contract/http-api.md).

``PUT``, ``GET`` and ``DELETE /v1/sources/{source}/status-callback``: admins only; a source
is a name an API key was made for; the audit log keeps the URL's origin only.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.support import person_token, query

pytestmark = pytest.mark.e2e
URL = "https://legal.example.com/hooks/status?token=s3cr3t"


@pytest.fixture(scope="module")
def source(intake: Intake) -> str:
    """A source with a key: ``legal-callbacks``."""
    intake.key("legal-callbacks", SourceKind.LEGAL, frozenset({Scope.WRITE}))
    return "legal-callbacks"


def _path(source: str) -> str:
    return f"/v1/sources/{source}/status-callback"


def _audit(intake: Intake, source: str) -> list[tuple[str, str, dict[str, Any]]]:
    sql = (
        "SELECT actor, action, detail FROM audit_log WHERE subject_kind = 'source' "
        "AND subject_id = $1 ORDER BY seq"
    )
    rows = asyncio.run(query(intake.database_url, sql, source))
    return [(r["actor"], r["action"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else dict(value)


def test_set_read_replace_and_clear(intake: Intake, source: str) -> None:
    """200 with the settings; replaced whole; cleared with 204, then 404; audited by origin."""
    with intake.client() as admin:
        put = admin.put(_path(source), json={"url": URL, "email": "legal-ops@example.com"})
        assert 200 == put.status_code, put.text
        answer = put.json()
        assert (source, URL, "legal-ops@example.com", "system:admin") == (
            answer["source"],
            answer["url"],
            answer["email"],
            answer["updated_by"],
        )
        assert answer == admin.get(_path(source)).json()
        only_mail = admin.put(_path(source), json={"email": "desk@example.com"}).json()
        assert (None, "desk@example.com") == (only_mail["url"], only_mail["email"])
        assert 204 == admin.delete(_path(source)).status_code
        assert "no status callback set" in problem(admin.get(_path(source)), 404)["detail"]
        problem(admin.delete(_path(source)), 404)
    entries = _audit(intake, source)
    origin = {"url_origin": "https://legal.example.com", "email": "legal-ops@example.com"}
    assert ("system:admin", "source.callback_set", origin) == entries[0]
    assert ["source.callback_set", "source.callback_set", "source.callback_clear"] == [
        action for _, action, _ in entries
    ]
    assert "s3cr3t" not in str(entries)


def test_an_admin_person_may_and_nobody_else(intake: Intake, source: str) -> None:
    """aoife (admin) 200; ciaran (responder) and a key without every scope 403."""
    body = {"email": "legal-ops@example.com"}
    aoife = person_token(intake.base_url, intake.admin_key, "aoife")
    with intake.client(aoife) as admin:
        answer = admin.put(_path(source), json=body)
        assert (200, "aoife") == (answer.status_code, answer.json()["updated_by"])
    ciaran = person_token(intake.base_url, intake.admin_key, "ciaran")
    with intake.client(ciaran) as responder:
        refused = problem(responder.put(_path(source), json=body), 403)
        assert "'ciaran' may not sources.manage" in refused["detail"]
        problem(responder.get(_path(source)), 403)
    key = intake.key("callback-tool", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ}))
    with intake.client(key) as tool:
        assert "admins only" in problem(tool.get(_path(source)), 403)["detail"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "url, email: give at least one"),
        ({"url": None, "email": None}, "url, email: give at least one"),
        ({"url": "ftp://files.example.com/x"}, "url: URL scheme should be"),
        ({"url": "javascript:alert(1)"}, "url: URL scheme should be"),
        ({"url": "https://example.com/\u0000"}, "url: Value error, must not contain control"),
        ({"url": "https://example.com/" + "x" * 100_000}, "url: URL should have at most"),
        ({"email": "<b>x</b>@example.com"}, "email: String should match pattern"),
        ({"email": "x@example.com\nBcc: y@example.com"}, "email: String should match pattern"),
        ({"email": "x@example.com", "secret": "y"}, "secret: unknown field"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    intake: Intake, source: str, body: dict[str, Any], named: str
) -> None:
    """422 naming the field; nothing stored."""
    with intake.client() as admin:
        admin.delete(_path(source))
        assert named in problem(admin.put(_path(source), json=body), 422)["detail"]
        problem(admin.get(_path(source)), 404)


def test_an_unknown_source_is_404_with_a_suggestion(intake: Intake, source: str) -> None:
    """No key was ever made for it: 404 naming it, suggesting a close name."""
    with intake.client() as admin:
        refused = problem(admin.put(_path("legal-callback"), json={"email": "a@example.com"}), 404)
        assert (
            "source: no API key was made for source 'legal-callback' "
            "(did you mean 'legal-callbacks'?)"
        ) == refused["detail"]
        problem(admin.get(_path("Bad<Source>")), 422)
