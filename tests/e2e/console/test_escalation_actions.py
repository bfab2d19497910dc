"""The escalation page's forms through a real intake and Postgres (docs/console.md).

Resolve and reassign post the API's commands with the same audit entries; the forms are
offered and accepted by the API's rules. The console's intake publishes to a broker no
router reads, so what it sends is read back from the topic; the last test runs the whole
product (``product.py``), where the router applies what the forms sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.console.conftest import Console, Page
from tests.e2e.console.escalation_rows import (
    audit,
    csrf,
    get,
    page_text,
    stored,
    types,
)
from tests.e2e.console.product import running_product
from tests.e2e.intake.rows import insert
from tests.support import wait_for

pytestmark = pytest.mark.e2e


def test_resolve_and_reassign_post_the_apis_commands_and_audit(console: Console) -> None:
    """Same events and audit entries as the API; 303 back to the page with a flash."""
    row = stored(owner="ciaran")
    insert(console.intake.database_url, row)
    browser = console.signed_in("sean")  # leads ts-dublin: may resolve and reassign
    page = get(browser, row.id)[1]
    (_choice,) = page.all("select", name="to")
    assert [o["value"] for o in page.all("option") if o["value"] in {"niamh", "sean"}] == [
        "niamh",
        "sean",
    ]
    token = csrf(page)
    base = f"/console/escalations/{row.id}"
    form = {"csrf_token": token, "to": "niamh", "to_other": "", "reason": "speaks French"}
    sent = browser.post(f"{base}/reassign", data=form)
    assert (303, f"{base}?done=reassigned") == (sent.status_code, sent.headers["location"])
    shown = browser.get(sent.headers["location"]).text
    assert "Reassign sent: the router applies it in a moment" in shown
    form = {"csrf_token": token, "resolution": "no_violation", "note": "checked twice"}
    done = browser.post(f"{base}/resolve", data=form)
    assert (303, f"{base}?done=resolved") == (done.status_code, done.headers["location"])
    events = console.intake.events(row.id)
    assert [("reassign_requested", "sean"), ("resolve_requested", "sean")] == types(console, row.id)
    assert ("niamh", "speaks French") == (events[0]["data"]["to"], events[0]["data"]["reason"])
    assert "checked twice" == events[1]["data"]["note"]
    assert sorted(
        [
            ("escalation.reassign", {"by": "sean", "to": "niamh"}),
            ("escalation.resolve", {"by": "sean", "resolution": "no_violation"}),
        ]
    ) == sorted(audit(console, "sean", row.id))
    missing = browser.post(f"{base}/resolve", data={"resolution": "actioned"})
    assert 403 == missing.status_code  # no CSRF token: nothing sent
    assert "security token" in missing.text
    assert 2 == len(console.intake.events(row.id))


@pytest.mark.parametrize(
    ("path", "form", "named"),
    [
        ("resolve", {"resolution": "fixed", "note": "kept <b>note</b>"}, "resolution: choose one"),
        ("resolve", {"resolution": "actioned", "note": "n" * 5001}, "note: longer than 5000"),
        ("reassign", {"to": "", "to_other": "", "reason": ""}, "to: choose a person"),
        ("reassign", {"to": "", "to_other": "nobody-here"}, "to_other: unknown person"),
    ],
)
def test_a_bad_form_re_renders_the_page_naming_the_field(
    console: Console, path: str, form: dict[str, str], named: str
) -> None:
    """422 with the page and the error; what was typed is kept; nothing is published."""
    row = stored()
    insert(console.intake.database_url, row)
    with console.as_token("sean") as sean:
        answer = sean.post(f"/console/escalations/{row.id}/{path}", data=form)
    assert 422 == answer.status_code
    page = Page(answer.text)
    assert named in page_text(page)
    assert page.all("section", id="live")  # the page itself, not an error page
    if "note" in form and len(form["note"]) < 100:
        assert "kept &lt;b&gt;note&lt;/b&gt;" in answer.text
    assert [] == console.intake.events(row.id)


def test_actions_are_offered_and_allowed_by_the_apis_rules(console: Console) -> None:
    """A viewer sees no forms and is 403; a responder may not reassign (403, page kept)."""
    row = stored()
    insert(console.intake.database_url, row)
    base = f"/console/escalations/{row.id}"
    with console.as_token("clodagh") as viewer:
        page = get(viewer, row.id)[1]
        acting = [a for a in page.all("form") if str(a["action"]).startswith(base)]
        assert [f"{base}/follow"] == [a["action"] for a in acting]  # viewers may follow
        assert "You may read this escalation, not act on it" in page_text(page)
        refused = viewer.post(f"{base}/resolve", data={"resolution": "actioned"})
    assert 403 == refused.status_code
    assert Page(refused.text).all("section", id="live")
    with console.as_token("ciaran") as ciaran:
        refused = ciaran.post(f"{base}/reassign", data={"to": "niamh"})
    assert 403 == refused.status_code
    said = page_text(Page(refused.text))
    assert "'ciaran' may not escalations.reassign on team 'ts-dublin'" in said
    assert [] == console.intake.events(row.id)


@pytest.fixture(scope="module")
def product(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The whole product, so the router applies what the forms send."""
    with running_product(stack, tmp_path_factory.mktemp("product")) as running:
        yield running


def _read(product: Console, esc_id: str) -> dict[str, Any] | None:
    with product.intake.client() as admin:
        answer = admin.get(f"/v1/escalations/{esc_id}")
    found: dict[str, Any] | None = answer.json() if answer.status_code == 200 else None
    return found


def _acted(product: Console, esc_id: str, action: str) -> dict[str, Any] | None:
    found = _read(product, esc_id)
    return found if found and any(h["action"] == action for h in found["history"]) else None


def _delivered(client: httpx.Client, esc_id: str) -> bool:
    answer = client.get(f"/console/escalations/{esc_id}/live")
    shown = page_text(Page(answer.text))
    return "No notifications sent yet" not in shown


def test_the_router_applies_what_the_forms_sent(product: Console) -> None:
    """Reassigned by the lead, resolved by the admin: the history and the audit log say so."""
    body = {
        "external_id": f"CON-{uuid.uuid4().hex[:10]}",
        "title": "Threat naming a school",
        "policy_area": "violent_threat",
        "language": "en",
        "signals": {"imminence": "imminent_specific"},  # P0: its owner is paged at once
    }
    with product.intake.client() as admin:
        created = admin.post("/v1/escalations", json=body)
    assert 202 == created.status_code, created.text
    esc_id = created.json()["id"]
    first = wait_for(lambda: _read(product, esc_id), what="the router to store it")
    target = next(p for p in ("niamh", "saoirse") if p != first["owner"])
    base = f"/console/escalations/{esc_id}"
    lead = product.signed_in("sean")
    if first["owner"] is not None:  # the notifier's ledger, from its real deliveries
        wait_for(lambda: _delivered(lead, esc_id), timeout=30, what="a delivery")
    form = {"csrf_token": csrf(get(lead, esc_id)[1]), "to_other": target, "reason": "French"}
    assert 303 == lead.post(f"{base}/reassign", data=form).status_code
    wait_for(lambda: _acted(product, esc_id, "reassigned"), what="the reassignment")
    admin_page = product.signed_in("aoife")
    form = {"csrf_token": csrf(get(admin_page, esc_id)[1]), "resolution": "actioned", "note": "ok"}
    assert 303 == admin_page.post(f"{base}/resolve", data=form).status_code
    final = wait_for(lambda: _acted(product, esc_id, "resolved"), what="the resolution")
    done = [(h["actor"], h["action"], h["reason"]) for h in final["history"]]
    assert ("sean", "reassigned", f"{first['owner']} -> {target}: French") in done
    assert ("aoife", "resolved", "actioned: ok") in done
    assert (target, "resolved") == (final["owner"], final["status"])
    page = get(admin_page, esc_id)[1]
    shown = page_text(page)
    assert "Seán Kelly" in shown  # the history's actors, by name
    assert "actioned: ok" in shown
    assert not page.all("form", action=f"{base}/resolve")  # nothing left to do
    assert page.all("div", id="escalation-live", data_status="resolved")
    assert [("escalation.reassign", {"by": "sean", "to": target})] == audit(product, "sean", esc_id)
    assert [("escalation.resolve", {"by": "aoife", "resolution": "actioned"})] == audit(
        product, "aoife", esc_id
    )
