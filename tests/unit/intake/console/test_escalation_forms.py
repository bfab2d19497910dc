"""The escalation page's forms, read into the API's commands (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.contracts.events import Resolution
from escalations.core.config import Config, load_config
from escalations.settings import DEMO_CONFIG
from escalations_intake.console.escalation_forms import (
    Actor,
    reassign_command,
    reassign_target,
    resolve_command,
)
from escalations_intake.console.forms import FormError

CONFIG: Config = load_config(DEMO_CONFIG).config
NAMES = {p.id: p.name for p in CONFIG.people}
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ACTOR = Actor("ciaran", "person:ciaran", T0)


def test_the_resolve_form_becomes_the_apis_command() -> None:
    """The resolution, a stripped note (blank: none), by the signed-in person."""
    command = resolve_command({"resolution": "actioned", "note": "  done  "}, "e-1", ACTOR)
    assert (Resolution.ACTIONED, "done", "ciaran") == (command.resolution, command.note, command.by)
    assert resolve_command({"resolution": "duplicate", "note": "  "}, "e-1", ACTOR).note is None


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, "resolution: choose one of actioned"),
        ({"resolution": "fixed"}, "resolution: choose one of"),
        ({"resolution": "actioned", "note": "n" * 5001}, "note: longer than 5000"),
    ],
)
def test_a_bad_resolve_form_names_its_field(fields: dict[str, str], named: str) -> None:
    """Never a command: the error says which field and why."""
    with pytest.raises(FormError, match=named):
        resolve_command(fields, "e-1", ACTOR)


def test_the_reassign_form_takes_the_typed_id_over_the_chosen_one() -> None:
    """A typed person id wins; otherwise the suggestion; the reason is optional."""
    known = set(NAMES)
    assert "sean" == reassign_target({"to": "niamh", "to_other": " sean "}, known)
    command = reassign_command({"to": "niamh", "reason": "lang"}, "e-1", ACTOR, known)
    assert ("niamh", "lang", "ciaran") == (command.to, command.reason, command.by)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, "to: choose a person"),
        ({"to": " ", "to_other": ""}, "to: choose a person"),
        ({"to_other": "<b>nobody</b>"}, "to_other: unknown person '<b>nobody</b>'"),
        ({"to": "ghost"}, "to: unknown person 'ghost'"),
        ({"to": "sean", "reason": "r" * 2001}, "reason: longer than 2000"),
    ],
)
def test_a_bad_reassign_form_names_its_field(fields: dict[str, str], named: str) -> None:
    """Nobody, an unknown person, a reason too long: the field and why."""
    with pytest.raises(FormError, match=named.replace("(", r"\(")):
        reassign_command(fields, "e-1", ACTOR, set(NAMES))
