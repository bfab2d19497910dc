"""Subscriptions to one escalation through the real intake and Postgres.

``/v1/escalations/{id}/subscriptions`` (docs/contract/http-api.md, "Subscriptions"): a
person, an address or a URL follows an escalation; anyone who reads it subscribes
themselves, anything more needs the right to act on it; URLs are shown and audited as their
origin only; the configuration's matching rules are listed. The demo configuration is in
force: ciaran is on ts-dublin, fiadh on child-safety (need-to-know), clodagh a viewer, and
the rule ``comms-press`` follows every P0/P1 press inquiry.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, insert
from tests.support import person_token, query

pytestmark = pytest.mark.e2e
HOOK = "https://hooks.example.com/services/T0/B0/s3cr3t-path"


@pytest.fixture(scope="module")
def tokens(intake: Intake) -> dict[str, str]:
    """Personal tokens: ciaran (ts-dublin), fiadh (child-safety), liam, clodagh (viewer)."""
    people = ("ciaran", "fiadh", "liam")
    made = {p: person_token(intake.base_url, intake.admin_key, p) for p in people}
    viewer = ("escalations:read",)
    made["clodagh"] = person_token(intake.base_url, intake.admin_key, "clodagh", viewer)
    return made


def _store(intake: Intake, **changes: Any) -> str:
    row = escalation_row(**changes)
    insert(intake.database_url, row)
    return row.id


def _path(esc_id: str) -> str:
    return f"/v1/escalations/{esc_id}/subscriptions"


def _audit(intake: Intake, esc_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    sql = "SELECT actor, action, detail FROM audit_log WHERE subject_id = $1 ORDER BY seq"
    rows = asyncio.run(query(intake.database_url, sql, esc_id))
    return [(r["actor"], r["action"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else dict(value)


def test_subscribe_list_repeat_and_remove_with_audit(
    intake: Intake, tokens: dict[str, str]
) -> None:
    """201, then 200 with the same subscription for a repeat; listed; removed; audited."""
    esc_id = _store(intake)
    with intake.client(tokens["ciaran"]) as ciaran:
        made = ciaran.post(_path(esc_id), json={"email": "comms@example.com"})
        assert 201 == made.status_code, made.text
        sub = made.json()
        assert {"escalation_id": esc_id, "kind": "email", "target": "comms@example.com"} == {
            k: sub[k] for k in ("escalation_id", "kind", "target")
        }
        assert "ciaran" == sub["created_by"]
        again = ciaran.post(_path(esc_id), json={"email": "comms@example.com"})
        assert (200, sub) == (again.status_code, again.json())
        listed = ciaran.get(_path(esc_id)).json()
        assert [sub] == listed["subscriptions"]
        assert [] == listed["rules"]
        assert 204 == ciaran.delete(f"{_path(esc_id)}/{sub['id']}").status_code
        assert [] == ciaran.get(_path(esc_id)).json()["subscriptions"]
        gone = problem(ciaran.delete(f"{_path(esc_id)}/{sub['id']}"), 404)
        assert sub["id"] in gone["detail"]
    detail = {"subscription": sub["id"], "kind": "email", "target": "comms@example.com"}
    assert [
        ("ciaran", "escalation.subscribe", detail),
        ("ciaran", "escalation.unsubscribe", detail),
    ] == _audit(intake, esc_id)


def test_a_url_is_shown_and_audited_as_its_origin_only(
    intake: Intake, tokens: dict[str, str]
) -> None:
    """A webhook, Slack or Teams URL is a credential: answers and audit show its origin."""
    esc_id = _store(intake)
    with intake.client(tokens["ciaran"]) as ciaran:
        for kind in ("webhook", "slack", "teams"):
            made = ciaran.post(_path(esc_id), json={kind: f"{HOOK}/{kind}"})
            assert 201 == made.status_code, made.text
            assert "https://hooks.example.com/…" == made.json()["target"]
        listed = ciaran.get(_path(esc_id)).text
    assert "s3cr3t" not in listed
    entries = _audit(intake, esc_id)
    assert 3 == len(entries)
    assert "s3cr3t" not in str(entries)


def test_the_matching_configuration_rules_are_listed(intake: Intake) -> None:
    """A P1 press inquiry matches ``comms-press``; a P3 one and a plain P1 do not."""
    press = {"title": "Press", "policy_area": "hate_speech", "signals": {"press_inquiry": True}}
    urgent = _store(intake, tier="P1", request=press)
    routine = _store(intake, tier="P3", request=press)
    plain = _store(intake, tier="P1")
    with intake.client() as admin:
        found = {e: admin.get(_path(e)).json()["rules"] for e in (urgent, routine, plain)}
    assert {urgent: ["comms-press"], routine: [], plain: []} == found


def test_a_viewer_subscribes_only_themselves(intake: Intake, tokens: dict[str, str]) -> None:
    """Viewers are stakeholders: themselves yes, anyone or anything else 403."""
    esc_id = _store(intake)
    with intake.client(tokens["ciaran"]) as ciaran:
        theirs = ciaran.post(_path(esc_id), json={"person": "ciaran"}).json()
    with intake.client(tokens["clodagh"]) as viewer:
        own = viewer.post(_path(esc_id), json={"person": "clodagh"})
        assert 201 == own.status_code, own.text
        for body in ({"person": "ciaran"}, {"email": "me@example.com"}, {"webhook": HOOK}):
            refused = problem(viewer.post(_path(esc_id), json=body), 403)
            assert "'clodagh' may subscribe only themselves" in refused["detail"]
        refused = problem(viewer.delete(f"{_path(esc_id)}/{theirs['id']}"), 403)
        assert "a viewer only reads" in refused["detail"]
        assert 204 == viewer.delete(f"{_path(esc_id)}/{own.json()['id']}").status_code
        left = viewer.get(_path(esc_id)).json()["subscriptions"]
    assert [theirs["id"]] == [s["id"] for s in left]


def test_others_need_the_right_to_act(intake: Intake, tokens: dict[str, str]) -> None:
    """Someone of another team subscribes only themselves; a key needs escalations:act."""
    esc_id = _store(intake)
    with intake.client(tokens["liam"]) as liam:
        refused = problem(liam.post(_path(esc_id), json={"email": "x@example.com"}), 403)
        assert "escalations.act on team 'ts-dublin'" in refused["detail"]
        assert 201 == liam.post(_path(esc_id), json={"person": "liam"}).status_code
    reader = intake.key("subs-reader", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ}))
    with intake.client(reader) as key:
        refused = problem(key.post(_path(esc_id), json={"person": "liam"}), 403)
        assert "lacks scope 'escalations:act'" in refused["detail"]
    actor = intake.key("subs-tool", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ, Scope.ACT}))
    with intake.client(actor) as key:
        made = key.post(_path(esc_id), json={"slack": HOOK})
    assert (201, "system:subs-tool") == (made.status_code, made.json()["created_by"])


def test_need_to_know_hides_and_guards_restricted_escalations(
    intake: Intake, tokens: dict[str, str]
) -> None:
    """An outsider gets the missing-escalation 404; nobody subscribes one who cannot see it."""
    esc_id = _store(intake, policy_area="child_safety", team="child-safety", owner="fiadh")
    missing = str(uuid.uuid4())
    with intake.client(tokens["ciaran"]) as outsider:
        for call in (outsider.get, lambda p: outsider.post(p, json={"person": "ciaran"})):
            hidden = problem(call(_path(esc_id)), 404)
            absent = problem(call(_path(missing)), 404)
            assert hidden["detail"].replace(esc_id, missing) == absent["detail"]
    with intake.client(tokens["fiadh"]) as fiadh:
        refused = problem(fiadh.post(_path(esc_id), json={"person": "ciaran"}), 422)
        assert "person: 'ciaran' may not see this escalation" in refused["detail"]
        assert 201 == fiadh.post(_path(esc_id), json={"person": "roisin"}).status_code


def test_a_resolved_escalation_takes_no_subscriptions(
    intake: Intake, tokens: dict[str, str]
) -> None:
    """409 naming the escalation."""
    esc_id = _store(intake, status="resolved")
    with intake.client(tokens["ciaran"]) as ciaran:
        refused = problem(ciaran.post(_path(esc_id), json={"person": "ciaran"}), 409)
    assert f"escalation '{esc_id}' is resolved" in refused["detail"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "give exactly one of person, email, webhook, slack or teams (got none)"),
        ({"person": "ciaran", "email": "a@example.com"}, "(got person, email)"),
        ({"person": None}, "person: must be a value, not null"),
        ({"person": "ciaren"}, "person: no person 'ciaren' in the configuration (did you mean"),
        ({"person": "cia\u0000ran"}, "person: String should match pattern"),
        ({"person": "<b>ciaran</b>"}, "person: String should match pattern"),
        ({"email": "not-an-address"}, "email: String should match pattern"),
        ({"email": "<script>alert(1)</script>@example.com"}, "email: String should match"),
        ({"email": "a\r\nBcc: all@example.com"}, "email: String should match pattern"),
        ({"webhook": "ftp://files.example.com/x"}, "webhook: URL scheme should be"),
        ({"slack": "https://hooks.example.com/\u0007x"}, "slack: Value error, must not"),
        ({"teams": "https://example.com/" + "x" * 100_000}, "teams: URL should have at most"),
        ({"sms": "+353 1 555 0100"}, "sms: unknown field"),
    ],
)
def test_bad_bodies_are_refused_naming_what_is_wrong(
    intake: Intake, tokens: dict[str, str], body: dict[str, Any], named: str
) -> None:
    """422 problem+json whose detail names the field and what is wrong; nothing stored."""
    esc_id = _store(intake)
    with intake.client(tokens["ciaran"]) as ciaran:
        refused = problem(ciaran.post(_path(esc_id), json=body), 422)
        assert named in refused["detail"]
        assert [] == ciaran.get(_path(esc_id)).json()["subscriptions"]


def test_an_oversized_body_is_413(intake: Intake, tokens: dict[str, str]) -> None:
    """A body over the intake's limit is refused before it is read."""
    esc_id = _store(intake)
    with intake.client(tokens["ciaran"]) as ciaran:
        problem(ciaran.post(_path(esc_id), json={"email": "a" * 300_000 + "@x.com"}), 413)


def test_unknown_escalation_and_subscription_are_404(intake: Intake) -> None:
    """Each names what is missing."""
    esc_id, missing = _store(intake), str(uuid.uuid4())
    with intake.client() as admin:
        assert missing in problem(admin.get(_path(missing)), 404)["detail"]
        gone = problem(admin.delete(f"{_path(esc_id)}/{missing}"), 404)
    assert f"subscription_id: no active subscription '{missing}'" in gone["detail"]
