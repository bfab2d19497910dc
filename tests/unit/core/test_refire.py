"""Where a report goes: merge into the open escalation, or open the next one after a resolve."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.contracts.ids import GENERATIONS, NAMESPACE, escalation_id
from escalations.core.refire import (
    Incarnation,
    Missing,
    Placement,
    address,
    command_target,
    place,
)

ID_OF = partial(escalation_id, "alertmanager", "fp-1")
G0, G1, G2 = ID_OF(0), ID_OF(1), ID_OF(2)


def _known(*incarnations: Incarnation) -> dict[str, Incarnation]:
    return {i.id: i for i in incarnations}


def test_generation_zero_keeps_the_id_of_source_and_external_id() -> None:
    """Ids stored before re-fires existed stay valid: generation 0 is UUIDv5 of the pair."""
    expected = str(uuid.uuid5(NAMESPACE, "alertmanager\x1ffp-1"))
    assert expected == G0


@given(
    source=st.text(max_size=30),
    external_id=st.text(min_size=1, max_size=60),
    generation=st.integers(min_value=1, max_value=10**6),
)
def test_every_generation_has_its_own_stable_uuid5(
    source: str, external_id: str, generation: int
) -> None:
    """Generation n is UUIDv5 of the pair and n: the same for everyone, unlike generation 0."""
    expected = str(uuid.uuid5(GENERATIONS, f"{source}\x1f{external_id}\x1f{generation}"))
    derived = escalation_id(source, external_id, generation)
    assert (expected, True) == (derived, derived != escalation_id(source, external_id))


def test_an_external_id_holding_the_separator_names_no_later_generation() -> None:
    """``x`` + separator + ``1`` at generation 0 is not generation 1 of ``x``."""
    assert escalation_id("legal", "x\x1f1") != escalation_id("legal", "x", 1)


def test_a_report_without_external_id_gets_a_fresh_id() -> None:
    """No key, nothing to repeat: two reports get two ids."""
    assert escalation_id("legal", None) != escalation_id("legal", None)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (None, Placement(G0, 0, merge=False)),
        (Incarnation(G0, 0, resolved=False), Placement(G0, 0, merge=True)),
        (Incarnation(G0, 0, resolved=True), Placement(G1, 1, merge=False, follows=G0)),
        (Incarnation(G1, 1, resolved=True), Placement(G2, 2, merge=False, follows=G1)),
        (Incarnation(G1, 1, resolved=False), Placement(G1, 1, merge=True)),
    ],
    ids=["new key", "open: merge", "resolved: next", "resolved again", "re-fired, open"],
)
def test_the_intake_addresses_a_report_from_the_newest_incarnation(
    latest: Incarnation | None, expected: Placement
) -> None:
    """New key: generation 0; open: merge; resolved: the next generation, following it."""
    assert expected == address(latest, ID_OF)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (None, G0),
        (Incarnation(G0, 0, resolved=False), G0),
        (Incarnation(G0, 0, resolved=True), G1),
    ],
    ids=["unknown key", "open", "resolved: the one on its way"],
)
def test_an_integrations_command_goes_to_the_open_or_the_coming_incarnation(
    latest: Incarnation | None, expected: str
) -> None:
    """A resolve after a re-fire closes the new escalation, not the resolved one."""
    assert expected == command_target(latest, ID_OF)


OPEN0 = Incarnation(G0, 0, resolved=False)
DONE0 = Incarnation(G0, 0, resolved=True)
DONE0_LINKED = Incarnation(G0, 0, resolved=True, followed_by=G1)
OPEN1 = Incarnation(G1, 1, resolved=False)
DONE1 = Incarnation(G1, 1, resolved=True)


@pytest.mark.parametrize(
    ("subject", "follows", "stored", "expected"),
    [
        (G0, None, [], Placement(G0, 0, merge=False)),
        (G0, None, [OPEN0], Placement(G0, 0, merge=True)),
        # The intake saw G0 resolved: the report opens G1.
        (G1, G0, [DONE0], Placement(G1, 1, merge=False, follows=G0)),
        # The intake read G0 open, but its resolve was applied first: G1 all the same.
        (G0, None, [DONE0], Placement(G1, 1, merge=False, follows=G0)),
        # A concurrent repeat created G1 already: merge into it, from either address.
        (G1, G0, [DONE0_LINKED, OPEN1], Placement(G1, 1, merge=True)),
        (G0, None, [DONE0_LINKED, OPEN1], Placement(G1, 1, merge=True)),
        # The walk goes on to the newest: G1 resolved too opens G2.
        (G0, None, [DONE0_LINKED, DONE1], Placement(G2, 2, merge=False, follows=G1)),
        # The predecessor is open after all: the report merges into it.
        (G1, G0, [OPEN0], Placement(G0, 0, merge=True)),
    ],
    ids=[
        "first",
        "repeat while open",
        "re-fire",
        "stale open read",
        "concurrent re-fire",
        "stale read, re-fired since",
        "two resolves",
        "predecessor still open",
    ],
)
def test_the_router_places_a_report_on_the_newest_incarnation(
    subject: str, follows: str | None, stored: list[Incarnation], expected: Placement
) -> None:
    """The router walks from the addressed escalation to the newest and decides from that."""
    assert expected == place(subject, follows, _known(*stored).get, ID_OF)


def test_a_link_not_loaded_yet_is_missing() -> None:
    """The router must lock a successor or a predecessor it has not loaded before deciding."""
    assert (Missing(G1), Missing(G0)) == (
        place(G0, None, _known(DONE0_LINKED).get, ID_OF),
        place(G1, G0, _known().get, ID_OF),
    )


def test_a_link_that_does_not_move_forward_is_refused() -> None:
    """A chain pointing back (corrupt data) raises instead of looping."""
    backwards = Incarnation(G1, 1, resolved=True, followed_by=G0)
    looped = Incarnation(G0, 0, resolved=True, followed_by=G1)
    with pytest.raises(ValueError, match="does not move forward"):
        place(G1, None, _known(backwards, looped).get, ID_OF)


def test_the_walk_jumps_to_the_newest_incarnation_loaded() -> None:
    """Past a link not loaded, the newest loaded incarnation of the key decides."""
    newest = Incarnation(G2, 2, resolved=False)
    assert (Placement(G2, 2, merge=True), Missing(G1)) == (
        place(G0, None, _known(DONE0_LINKED, newest).get, ID_OF, lambda: newest),
        place(G0, None, _known(DONE0_LINKED).get, ID_OF, lambda: DONE0_LINKED),
    )
