"""The escalation page's updates: who is offered the forms, the list, the forms' bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.contracts.updates import Audience
from escalations.core.access import roles_of
from escalations.core.config import Config, parse_config
from escalations_intake.auth.access_rules import EscalationFacts
from escalations_intake.console.forms import FormError
from escalations_intake.console.update_actions import update_body
from escalations_intake.console.updates_view import may_post, updates_view
from escalations_intake.views import UpdateView
from tests.unit.intake.test_access_rules import CONFIG_YAML

AT = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
# Legal's escalation, owned by kim; ana (the desk) was paged by another team's policy.
FACTS = EscalationFacts("e1", "legal", "hate_speech", owner="kim", paged=("kim", "ana"))


@pytest.fixture(scope="module")
def config() -> Config:
    """Ana responds and Lee leads the desk; Kim leads legal, Dana is on it; vi views."""
    return parse_config(CONFIG_YAML).config


@pytest.mark.parametrize(
    ("person", "may_act", "status", "offered"),
    [
        ("dana", True, "assigned", True),  # on the owning team
        ("ana", True, "acknowledged", True),  # paged off her team
        ("lee", True, "assigned", False),  # off the team, not involved
        ("vi", False, "assigned", False),  # a viewer only reads
        ("dana", False, "assigned", False),  # no escalations:act
        ("dana", True, "resolved", False),  # nothing left to post on
    ],
)
def test_the_forms_are_offered_by_the_apis_rules(
    config: Config, person: str, may_act: bool, status: str, offered: bool
) -> None:
    """The update and note forms follow ``on_escalation`` as for acknowledge."""
    assert offered is may_post(config, roles_of(config, person), may_act, FACTS, status)


def test_the_list_names_the_audience_and_the_poster() -> None:
    """Each update keeps its order, with a badge label, the name if known, and ISO time."""
    updates = [
        UpdateView(id="u2", audience=Audience.REQUESTER, text="<b>done</b>", by="kim", at=AT),
        UpdateView(id="u1", audience=Audience.TEAM, text="n", by="ghost", at=AT),
    ]
    shown = updates_view(updates, {"kim": "Kim Lead"})
    assert [("u2", "Requester", "Kim Lead", "<b>done</b>"), ("u1", "Team (note)", None, "n")] == [
        (u["id"], u["label"], u["by_name"], u["text"]) for u in shown
    ]
    assert AT.isoformat() == shown[0]["at"]


def test_the_forms_become_the_apis_body() -> None:
    """The update form's audience and text; the note form is the ``team`` audience."""
    body = update_body({"audience": "stakeholders", "text": "  shipped  "}, note=False)
    assert (Audience.STAKEHOLDERS, "shipped") == (body.audience, body.text)
    note = update_body({"note_text": "called", "audience": "requester"}, note=True)
    assert (Audience.TEAM, "called") == (note.audience, note.text)


@pytest.mark.parametrize(
    ("fields", "note", "named"),
    [
        ({"audience": "everyone", "text": "x"}, False, "audience"),
        ({"audience": "team", "text": " \n "}, False, "text"),
        ({"audience": "team"}, False, "text"),
        ({"audience": "team", "text": "x" * 5001}, False, "text"),
        ({"note_text": ""}, True, "note_text"),
    ],
)
def test_a_bad_form_names_the_field(fields: dict[str, str], note: bool, named: str) -> None:
    """What the API would refuse in a body is a ``FormError`` naming the form's field."""
    with pytest.raises(FormError) as caught:
        update_body(fields, note=note)
    assert named == caught.value.name
