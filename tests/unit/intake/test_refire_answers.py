"""The intake's answer to a report of a key: merge, first escalation, or a re-fire that follows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from escalations.contracts.ids import escalation_id
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.refire import Incarnation, Placement
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.commands.create import CreateEscalation, RecentIds
from escalations_intake.commands.publish import Publisher
from escalations_intake.http.problems import Problem
from tests.fakes.intake import FakeIncarnations, FakeProducer

PRINCIPAL = Principal("alertmanager", SourceKind.MONITORING, frozenset({Scope.WRITE}))
KEY = "fp-<b>1</b>"
G0, G1 = escalation_id(PRINCIPAL.source, KEY), escalation_id(PRINCIPAL.source, KEY, 1)
BODY = EscalationIn(external_id=KEY, title="Disk <i>full</i>\x07", policy_area="spam")


def _deps(latest: Incarnation | None, down: bool = False) -> Any:
    producer, incarnations, recent = FakeProducer(down), FakeIncarnations(latest), RecentIds()
    create = CreateEscalation(Publisher(producer, 1), incarnations, recent, 600)  # type: ignore[arg-type]  # a fake producer
    return SimpleNamespace(
        create=create, producer=producer, incarnations=incarnations, recent=recent
    )


@pytest.mark.parametrize(
    ("latest", "answer", "records"),
    [
        (None, {"id": G0, "duplicate": False, "follows": None}, [(G0, G0, None)]),
        (
            Incarnation(G0, 0, False),
            {"id": G0, "duplicate": True, "follows": None},
            [(G0, G0, None)],
        ),
        (
            Incarnation(G1, 1, False),
            {"id": G1, "duplicate": True, "follows": None},
            [(G0, G0, None)],
        ),
        (
            Incarnation(G0, 0, True),
            {"id": G1, "duplicate": False, "follows": G0},
            [(G0, G0, None), (G1, G1, G0)],
        ),
    ],
    ids=["new key", "open: a repeat", "re-fired and open: a repeat", "resolved: a re-fire"],
)
async def test_the_answer_and_the_events_say_where_the_report_goes(
    latest: Incarnation | None, answer: dict[str, Any], records: list[Any]
) -> None:
    """The report goes to generation 0 at once; a re-fire again, keyed by the new one."""
    deps = _deps(latest)
    accepted = await deps.create(PRINCIPAL, BODY)
    assert {**answer, "status": "received"} == accepted.model_dump(mode="json")
    assert records == deps.producer.addressed()
    assert (1, 1) == (deps.incarnations.asked, len({e["id"] for e in deps.producer.events()}))


async def test_a_report_looked_up_before_is_published_where_it_goes() -> None:
    """An integration that placed the report already publishes it once, there, unasked."""
    deps = _deps(None)
    placed = Placement(G1, 1, merge=False, follows=G0)
    accepted = await deps.create(PRINCIPAL, BODY, placed=placed)
    assert (G1, [(G1, G1, G0)], 0) == (
        accepted.id,
        deps.producer.addressed(),
        deps.incarnations.asked,
    )


async def test_a_re_fire_accepted_here_but_not_stored_yet_is_a_duplicate_of_it() -> None:
    """A second re-fire before the router stored the first answers the same new id."""
    deps = _deps(Incarnation(G0, 0, True))
    first, second = await deps.create(PRINCIPAL, BODY), await deps.create(PRINCIPAL, BODY)
    assert (G1, False, True, G0) == (first.id, first.duplicate, second.duplicate, second.follows)


async def test_a_report_without_external_id_is_never_looked_up() -> None:
    """No key, nothing to merge into or follow: no lookup, a fresh id."""
    deps = _deps(Incarnation(G0, 0, True))
    accepted = await deps.create(PRINCIPAL, EscalationIn(title="t", policy_area="spam"))
    assert (0, False, None) == (deps.incarnations.asked, accepted.duplicate, accepted.follows)


async def test_a_broker_outage_answers_503_and_remembers_nothing() -> None:
    """A report the broker did not confirm is not taken as accepted by this worker."""
    deps = _deps(Incarnation(G0, 0, True), down=True)
    with pytest.raises(Problem) as raised:
        await deps.create(PRINCIPAL, BODY)
    assert (503, False) == (raised.value.status, G1 in deps.recent)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [(None, G0), (Incarnation(G0, 0, False), G0), (Incarnation(G0, 0, True), G1)],
    ids=["unknown key", "open", "resolved"],
)
async def test_an_integration_command_goes_to_the_open_or_coming_escalation(
    latest: Incarnation | None, expected: str
) -> None:
    """A resolve of a re-fired alert is for the new escalation, never the resolved one."""
    assert expected == await _deps(latest).create.command_target(PRINCIPAL.source, KEY)
