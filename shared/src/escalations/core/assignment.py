"""Assignment: pick the owner among the people on duty at level 1.

The rules: docs/contract/priority-and-assignment.md, "Assignment".

Skills and language first, then the wellbeing cap on graphic content, then round robin by
least recently assigned. Deterministic: the same inputs always give the same owner, and the
decision record says why each candidate was or was not chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from escalations.core.durations import Duration, format_duration
from escalations.core.escalation import PolicyArea

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_NEVER = datetime.min.replace(tzinfo=UTC)


class AssignmentFlag(StrEnum):
    """Something a lead should know about how the owner was picked."""

    NOBODY_ON_DUTY = "nobody_on_duty"
    ALL_OPTED_OUT = "all_opted_out"
    NO_QUALIFIED_CANDIDATE = "no_qualified_candidate"
    WELLBEING_CAP_EXCEEDED = "wellbeing_cap_exceeded"


class WellbeingConfig(BaseModel):
    """Cap on graphic escalations per person in a rolling window.

    The default, 3 per 8 h: docs/contract/priority-and-assignment.md, "Assignment".
    """

    model_config = _FROZEN

    graphic_cap: Annotated[int, Field(ge=1, le=1000)] = 3
    window: Duration = timedelta(hours=8)


_FLAG_NOTES = {
    AssignmentFlag.ALL_OPTED_OUT: "all on duty opted out of this area; opt-outs set aside",
    AssignmentFlag.NO_QUALIFIED_CANDIDATE: "none has the skill and language; fell back to all",
    AssignmentFlag.WELLBEING_CAP_EXCEEDED: "all are at the wellbeing cap; took the least exposed",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person on duty at level 1, as far as assignment cares."""

    person_id: str
    skills: frozenset[PolicyArea] = frozenset()
    languages: frozenset[str] = frozenset()
    opt_out: frozenset[PolicyArea] = frozenset()
    # The languages without region, lower-cased (``en-GB`` -> ``en``): what matching uses.
    language_roots: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        roots = frozenset(_root(language) for language in self.languages)
        object.__setattr__(self, "language_roots", roots)


def _root(language: str) -> str:
    return language.lower().split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class PersonHistory:
    """What assignment remembers about one person."""

    last_assigned_at: datetime | None = None
    open_count: int = 0
    graphic_at: tuple[datetime, ...] = ()


class CandidateRecord(BaseModel):
    """One candidate in the decision record, with why they were or were not chosen."""

    model_config = _FROZEN

    person_id: str
    chosen: bool
    reason: str
    graphic_in_window: int
    open_count: int
    last_assigned_at: datetime | None


class AssignmentDecision(BaseModel):
    """The owner (None if nobody is on duty) and the record of every candidate."""

    model_config = _FROZEN

    owner: str | None
    candidates: tuple[CandidateRecord, ...]
    flags: tuple[AssignmentFlag, ...] = ()


_EMPTY = PersonHistory()


@dataclass(slots=True)
class _Entry:
    candidate: Candidate
    history: PersonHistory
    graphic: int
    reason: str = ""


def assign(
    candidates: Sequence[Candidate],
    *,
    policy_area: PolicyArea,
    language: str | None,
    graphic: bool,
    at: datetime,
    history: Mapping[str, PersonHistory],
    config: WellbeingConfig,
) -> AssignmentDecision:
    """Pick the owner among the people on duty at level 1 and record why."""
    if at.utcoffset() is None:
        raise ValueError("at needs a time zone, e.g. 2026-11-25T09:14:00Z")
    since = at - config.window
    entries = [
        _Entry(candidate, known, _exposure(known, since, at) if graphic else 0)
        for candidate, known in _unique(candidates, history)
    ]
    if not entries:
        return AssignmentDecision(owner=None, candidates=(), flags=(AssignmentFlag.NOBODY_ON_DUTY,))
    flags: list[AssignmentFlag] = []
    pool = _drop_opted_out(entries, policy_area, flags)
    pool = _keep_qualified(pool, policy_area, language, flags)
    if graphic:
        pool = _apply_wellbeing_cap(pool, config, flags)
    owner = _round_robin(pool)
    owner.reason += "".join(f"; {_FLAG_NOTES[flag]}" for flag in flags)
    return AssignmentDecision(
        owner=owner.candidate.person_id,
        candidates=tuple(_record(entry, owner) for entry in entries),
        flags=tuple(flags),
    )


def _unique(
    candidates: Sequence[Candidate], history: Mapping[str, PersonHistory]
) -> list[tuple[Candidate, PersonHistory]]:
    # One person can be on duty through two layers; they are one candidate.
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.person_id, candidate)
    return [(c, history.get(pid, _EMPTY)) for pid, c in seen.items()]


def _exposure(known: PersonHistory, since: datetime, at: datetime) -> int:
    stamps = known.graphic_at
    if not stamps:
        return 0
    if since < min(stamps) and max(stamps) <= at:  # all in the window: no count by hand
        return len(stamps)
    return sum(1 for stamp in stamps if since < stamp <= at)


def _drop_opted_out(
    entries: list[_Entry], area: PolicyArea, flags: list[AssignmentFlag]
) -> list[_Entry]:
    kept = [entry for entry in entries if area not in entry.candidate.opt_out]
    if kept:
        for entry in entries:
            if area in entry.candidate.opt_out:
                entry.reason = f"opted out of {area.value}"
        return kept
    flags.append(AssignmentFlag.ALL_OPTED_OUT)
    return entries


def _speaks(candidate: Candidate, language: str | None) -> bool:
    return language is None or _root(language) in candidate.language_roots


def _keep_qualified(
    pool: list[_Entry], area: PolicyArea, language: str | None, flags: list[AssignmentFlag]
) -> list[_Entry]:
    misses: dict[int, str] = {}
    for index, entry in enumerate(pool):
        lacks = []
        if area not in entry.candidate.skills:
            lacks.append(f"lacks the {area.value} skill")
        if not _speaks(entry.candidate, language):
            lacks.append(f"does not speak {language}")
        if lacks:
            misses[index] = " and ".join(lacks)
    if len(misses) == len(pool):
        flags.append(AssignmentFlag.NO_QUALIFIED_CANDIDATE)
        return pool
    for index, why in misses.items():
        pool[index].reason = why
    return [entry for index, entry in enumerate(pool) if index not in misses]


def _apply_wellbeing_cap(
    pool: list[_Entry], config: WellbeingConfig, flags: list[AssignmentFlag]
) -> list[_Entry]:
    window = format_duration(config.window)
    under = [entry for entry in pool if entry.graphic < config.graphic_cap]
    if under:
        for entry in pool:
            if entry.graphic >= config.graphic_cap:
                entry.reason = (
                    f"wellbeing cap: {entry.graphic} graphic escalations in the last {window} "
                    f"(cap {config.graphic_cap})"
                )
        return under
    # Never drop everyone: the escalation still needs an owner, so take the least exposed.
    flags.append(AssignmentFlag.WELLBEING_CAP_EXCEEDED)
    least = min(entry.graphic for entry in pool)
    for entry in pool:
        if entry.graphic > least:
            entry.reason = (
                f"wellbeing cap: {entry.graphic} graphic escalations in the last {window}; "
                f"everyone is over the cap and others have fewer"
            )
    return [entry for entry in pool if entry.graphic == least]


def _rank(entry: _Entry) -> tuple[datetime, int, str]:
    known = entry.history
    return (known.last_assigned_at or _NEVER, known.open_count, entry.candidate.person_id)


def _round_robin(pool: list[_Entry]) -> _Entry:
    ordered = sorted(pool, key=_rank)
    owner = ordered[0]
    first = _rank(owner)
    owner.reason = "chosen: " + _rr_detail(owner)
    for entry in ordered[1:]:
        rank = _rank(entry)
        if rank[0] > first[0]:
            entry.reason = "round robin: assigned more recently (" + _rr_detail(entry) + ")"
        elif rank[1] > first[1]:
            entry.reason = f"round robin: more open escalations ({entry.history.open_count})"
        else:
            entry.reason = "round robin: tie broken by person id"
    return owner


def _rr_detail(entry: _Entry) -> str:
    last = entry.history.last_assigned_at
    when = "never assigned" if last is None else f"last assigned {last.isoformat()}"
    return f"{when}, {entry.history.open_count} open"


def _record(entry: _Entry, owner: _Entry) -> CandidateRecord:
    return CandidateRecord(
        person_id=entry.candidate.person_id,
        chosen=entry is owner,
        reason=entry.reason,
        graphic_in_window=entry.graphic,
        open_count=entry.history.open_count,
        last_assigned_at=entry.history.last_assigned_at,
    )
