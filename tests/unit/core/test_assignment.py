"""Assignment among the people on duty: skills, language, wellbeing, round robin.

The rules: docs/contract/priority-and-assignment.md, "Assignment".
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.core.assignment import (
    AssignmentDecision,
    AssignmentFlag,
    Candidate,
    PersonHistory,
    WellbeingConfig,
    _exposure,
    _speaks,
    assign,
)
from escalations.core.escalation import PolicyArea

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HATE = PolicyArea.HATE_SPEECH
CAP = WellbeingConfig()


def person(
    pid: str, *skills: PolicyArea, langs: str = "en", opt_out: tuple[PolicyArea, ...] = ()
) -> Candidate:
    """Build a candidate with skills and space-separated languages."""
    return Candidate(
        person_id=pid,
        skills=frozenset(skills),
        languages=frozenset(langs.split()),
        opt_out=frozenset(opt_out),
    )


def decide(
    candidates: Sequence[Candidate],
    history: Mapping[str, PersonHistory] | None = None,
    *,
    area: PolicyArea = HATE,
    language: str | None = "en",
    graphic: bool = False,
    config: WellbeingConfig = CAP,
) -> AssignmentDecision:
    """Assign at AT with the given history."""
    return assign(
        candidates,
        policy_area=area,
        language=language,
        graphic=graphic,
        at=AT,
        history=history or {},
        config=config,
    )


def reasons(decision: AssignmentDecision) -> dict[str, str]:
    """Return the reason recorded for each candidate."""
    return {record.person_id: record.reason for record in decision.candidates}


def ago(**delta: float) -> datetime:
    """Return an instant before AT."""
    return AT - timedelta(**delta)


def graphic_history(count: int, *, hours_ago: float = 1) -> PersonHistory:
    """Return a history with ``count`` graphic escalations in the last hours."""
    return PersonHistory(graphic_at=tuple(ago(hours=hours_ago, minutes=i) for i in range(count)))


def test_keeps_only_people_with_the_skill_and_language() -> None:
    """Skill and language filter the candidates; the record says what each one lacks."""
    decision = decide(
        [person("ann", HATE, langs="de"), person("bob"), person("cat", HATE, langs="en fr")],
        language="en-GB",
    )
    assert "cat" == decision.owner
    assert {
        "ann": "does not speak en-GB",
        "bob": "lacks the hate_speech skill",
        "cat": "chosen: never assigned, 0 open",
    } == reasons(decision)
    assert () == decision.flags


def test_falls_back_to_everyone_on_duty_and_says_so() -> None:
    """With nobody qualified, everyone on duty is considered and the decision is flagged."""
    decision = decide([person("bob"), person("ann", langs="de")])
    assert ("ann", (AssignmentFlag.NO_QUALIFIED_CANDIDATE,)) == (decision.owner, decision.flags)
    assert "fell back to all" in reasons(decision)["ann"]


def test_no_language_means_no_language_filter() -> None:
    """An escalation without a language is not filtered by language."""
    assert "ann" == decide([person("ann", HATE, langs="ga")], language=None).owner


def test_opted_out_people_are_dropped_for_that_area() -> None:
    """A person who opted out of an area is not given it, even if least recently assigned."""
    area = PolicyArea.SELF_HARM
    decision = decide(
        [person("ann", area, opt_out=(area,)), person("bob", area)],
        {"bob": PersonHistory(last_assigned_at=ago(minutes=5))},
        area=area,
    )
    assert ("bob", "opted out of self_harm") == (decision.owner, reasons(decision)["ann"])


def test_when_everyone_opted_out_someone_still_owns_it() -> None:
    """Opt-outs are set aside, and flagged, rather than leave the escalation unowned."""
    area = PolicyArea.SELF_HARM
    decision = decide([person("ann", area, opt_out=(area,))], area=area)
    assert ("ann", (AssignmentFlag.ALL_OPTED_OUT,)) == (decision.owner, decision.flags)


def test_wellbeing_cap_drops_people_at_the_cap_for_graphic_content() -> None:
    """Three graphic escalations in the last 8 h keep a person off the next graphic one."""
    history = {
        "ann": graphic_history(3),
        "bob": PersonHistory(last_assigned_at=ago(minutes=1), graphic_at=(ago(hours=2),)),
    }
    decision = decide([person("ann", HATE), person("bob", HATE)], history, graphic=True)
    assert "bob" == decision.owner
    assert "wellbeing cap: 3 graphic escalations in the last 8h (cap 3)" == reasons(decision)["ann"]


def test_wellbeing_cap_ignores_non_graphic_escalations() -> None:
    """The cap only applies when the escalation itself is graphic."""
    decision = decide([person("ann", HATE)], {"ann": graphic_history(5)}, graphic=False)
    assert ("ann", ()) == (decision.owner, decision.flags)


def test_wellbeing_window_is_rolling() -> None:
    """Graphic escalations older than the window no longer count."""
    history = {"ann": graphic_history(3, hours_ago=8.5)}
    decision = decide([person("ann", HATE), person("bob", HATE)], history, graphic=True)
    assert ("ann", 0) == (decision.owner, decision.candidates[0].graphic_in_window)


def test_all_on_duty_over_the_wellbeing_cap_takes_the_least_exposed_and_flags_it() -> None:
    """Never drop everyone: the least exposed person gets it and the decision is flagged."""
    history = {
        "ann": graphic_history(5),
        "bob": PersonHistory(graphic_at=graphic_history(3).graphic_at),
        "cat": graphic_history(4),
    }
    decision = decide(
        [person("ann", HATE), person("bob", HATE), person("cat", HATE)], history, graphic=True
    )
    assert ("bob", (AssignmentFlag.WELLBEING_CAP_EXCEEDED,)) == (decision.owner, decision.flags)
    assert "least exposed" in reasons(decision)["bob"]
    assert "everyone is over the cap" in reasons(decision)["ann"]


def test_configurable_cap() -> None:
    """A team can set a stricter cap, e.g. one graphic escalation per 4 h."""
    config = WellbeingConfig.model_validate({"graphic_cap": 1, "window": "4h"})
    history = {"ann": graphic_history(1)}
    people = [person("ann", HATE), person("bob", HATE)]
    decision = decide(people, history, graphic=True, config=config)
    assert "bob" == decision.owner


def test_round_robin_takes_the_least_recently_assigned() -> None:
    """Never assigned beats assigned long ago, which beats assigned recently."""
    history = {
        "ann": PersonHistory(last_assigned_at=ago(minutes=5)),
        "bob": PersonHistory(last_assigned_at=ago(hours=3)),
    }
    people = [person("ann", HATE), person("bob", HATE), person("cat", HATE)]
    assert "cat" == decide(people, history).owner
    assert "bob" == decide(people[:2], history).owner


def test_ties_go_to_fewest_open_then_person_id() -> None:
    """Equal recency: fewer open escalations wins; then the person id decides."""
    same = ago(hours=1)
    history = {
        "ann": PersonHistory(last_assigned_at=same, open_count=2),
        "bob": PersonHistory(last_assigned_at=same, open_count=1),
        "cat": PersonHistory(last_assigned_at=same, open_count=1),
    }
    decision = decide([person("cat", HATE), person("ann", HATE), person("bob", HATE)], history)
    assert "bob" == decision.owner
    assert {
        "ann": "round robin: more open escalations (2)",
        "cat": "round robin: tie broken by person id",
    } == {k: v for k, v in reasons(decision).items() if k != "bob"}


def test_nobody_on_duty() -> None:
    """No candidates: no owner, flagged, so the router can page the escalation policy."""
    decision = decide([])
    expected = AssignmentDecision(owner=None, candidates=(), flags=(AssignmentFlag.NOBODY_ON_DUTY,))
    assert expected == decision


def test_a_person_on_duty_twice_is_one_candidate() -> None:
    """Someone on duty through two layers appears once in the record."""
    decision = decide([person("ann", HATE), person("ann", HATE)])
    assert ["ann"] == [record.person_id for record in decision.candidates]


def test_record_lists_every_candidate_with_a_reason() -> None:
    """Every candidate is in the record with a reason, exactly one is chosen."""
    history = {"dan": graphic_history(3)}
    people = [
        person("ann", HATE, opt_out=(HATE,)),
        person("bob"),
        person("cat", HATE),
        person("dan", HATE),
        person("eve", HATE),
    ]
    decision = decide(people, history | {"eve": PersonHistory(last_assigned_at=AT)}, graphic=True)
    assert ["ann", "bob", "cat", "dan", "eve"] == [r.person_id for r in decision.candidates]
    assert all(record.reason for record in decision.candidates)
    assert ["cat"] == [record.person_id for record in decision.candidates if record.chosen]


def test_naive_time_is_rejected() -> None:
    """``at`` must carry a time zone."""
    with pytest.raises(ValueError, match="at needs a time zone"):
        assign(
            [],
            policy_area=HATE,
            language=None,
            graphic=False,
            at=datetime(2026, 11, 25),
            history={},
            config=CAP,
        )


# Property tests.

PEOPLE = [f"p{i:02d}" for i in range(12)]
ids_st = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=8, unique=True)


@given(ids=ids_st, rounds=st.integers(1, 60), graphic=st.booleans())
def test_round_robin_is_fair(ids: list[str], rounds: int, graphic: bool) -> None:
    """Over N equal-eligibility assignments fed back into history, counts differ by at most 1."""
    history: dict[str, PersonHistory] = {}
    people = [person(pid, HATE) for pid in ids]
    config = WellbeingConfig(graphic_cap=1000)
    for step in range(rounds):
        now = AT + timedelta(minutes=step)
        decision = assign(
            people,
            policy_area=HATE,
            language="en",
            graphic=graphic,
            at=now,
            history=history,
            config=config,
        )
        assert decision.owner is not None
        known = history.get(decision.owner, PersonHistory())
        history[decision.owner] = PersonHistory(
            last_assigned_at=now,
            open_count=known.open_count + 1,
            graphic_at=(*known.graphic_at, now) if graphic else known.graphic_at,
        )
    counts = Counter(dict.fromkeys(ids, 0))
    counts.update({pid: h.open_count for pid, h in history.items()})
    assert max(counts.values()) - min(counts.values()) <= 1


history_st = st.dictionaries(
    st.sampled_from(PEOPLE),
    st.builds(
        PersonHistory,
        last_assigned_at=st.none() | st.integers(0, 600).map(lambda m: ago(minutes=m)),
        open_count=st.integers(0, 5),
        graphic_at=st.lists(st.integers(0, 900).map(lambda m: ago(minutes=m)), max_size=6).map(
            tuple
        ),
    ),
)
candidate_st = st.builds(
    Candidate,
    person_id=st.sampled_from(PEOPLE),
    skills=st.frozensets(st.sampled_from(list(PolicyArea)[:4]), max_size=3),
    languages=st.frozensets(st.sampled_from(["en", "de", "fr-FR"]), max_size=2),
    opt_out=st.frozensets(st.sampled_from(list(PolicyArea)[:4]), max_size=1),
)


@given(
    candidates=st.lists(candidate_st, max_size=8, unique_by=lambda c: c.person_id),
    history=history_st,
    area=st.sampled_from(list(PolicyArea)[:4]),
    language=st.sampled_from([None, "en", "de-AT", "fr"]),
    graphic=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_same_inputs_same_decision(
    candidates: list[Candidate],
    history: dict[str, PersonHistory],
    area: PolicyArea,
    language: str | None,
    graphic: bool,
    seed: int,
) -> None:
    """Same inputs give the same owner in any candidate order; someone on duty always owns it."""
    first = decide(candidates, history, area=area, language=language, graphic=graphic)
    shuffled = list(candidates)
    random.Random(seed).shuffle(shuffled)
    again = decide(shuffled, history, area=area, language=language, graphic=graphic)
    assert first.owner == again.owner
    assert first == decide(candidates, history, area=area, language=language, graphic=graphic)
    assert (first.owner is None) == (not candidates)


def test_languages_match_without_region_and_case() -> None:
    """``EN-gb`` speaks ``en`` and ``en-US``; ``pt`` does not speak ``es``."""
    speaker = Candidate(person_id="p", languages=frozenset({"EN-gb", "pt"}))
    assert {"en", "pt"} == speaker.language_roots
    assert speaker == Candidate(person_id="p", languages=frozenset({"EN-gb", "pt"}))
    for language, speaks in [("en", True), ("en-US", True), ("PT-br", True), ("es", False)]:
        assert speaks == _speaks(speaker, language), language
    assert _speaks(speaker, None)


@given(
    offsets=st.lists(st.integers(-600, 600), max_size=120),
    since=st.integers(-600, 600),
    at=st.integers(-600, 600),
)
def test_exposure_counts_the_stamps_in_the_window(offsets: list[int], since: int, at: int) -> None:
    """Exposure is the number of graphic stamps in (since, at], in any order of stamps."""
    stamps = tuple(AT + timedelta(minutes=m) for m in offsets)
    start, end = AT + timedelta(minutes=since), AT + timedelta(minutes=at)
    expected = sum(1 for stamp in stamps if start < stamp <= end)
    assert expected == _exposure(PersonHistory(graphic_at=stamps), start, end)
