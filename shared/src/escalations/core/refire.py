"""Where a report of ``(source, external_id)`` goes: merge, first escalation, or a re-fire.

A key has incarnations: generation 0, and after each resolve a new one that ``follows`` the
previous (whose ``followed_by`` names it). A report merges into the open incarnation; once
the latest is resolved, it opens the next generation. The intake decides from the latest
incarnation it reads (``address``); the router, the single writer, decides again from the
rows it has locked (``place``) and its decision is the one stored. Ids come from
``next_id(generation)``, so everyone derives the same one (docs/refires-and-retries.md,
"Re-fires").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

IdOf = Callable[[int], str]


@dataclass(frozen=True, slots=True)
class Incarnation:
    """One stored escalation of a key, as far as re-fires care."""

    id: str
    generation: int
    resolved: bool
    followed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """The escalation a report goes to; ``follows`` is set when it opens a new one after that."""

    id: str
    generation: int
    merge: bool
    follows: str | None = None


@dataclass(frozen=True, slots=True)
class Missing:
    """An incarnation the decision needs that is not loaded yet (load it, then ask again)."""

    id: str


def first(id_of: IdOf) -> Placement:
    """Return the placement of the first report of a key."""
    return Placement(id_of(0), 0, merge=False)


def after(latest: Incarnation, id_of: IdOf) -> Placement:
    """Return where a report goes when ``latest`` is the newest incarnation of its key."""
    if not latest.resolved:
        return Placement(latest.id, latest.generation, merge=True)
    generation = latest.generation + 1
    return Placement(id_of(generation), generation, merge=False, follows=latest.id)


def address(latest: Incarnation | None, id_of: IdOf) -> Placement:
    """Return the intake's answer for a report, from the latest incarnation it has read."""
    return first(id_of) if latest is None else after(latest, id_of)


def command_target(latest: Incarnation | None, id_of: IdOf) -> str:
    """Return the escalation an integration's acknowledge or resolve of a key is meant for.

    A resolved latest incarnation means the next one, if any, is still on its way: the
    command travels behind it on the same key, and the router drops a system command for an
    escalation that never came.
    """
    return address(latest, id_of).id


def _nobody() -> Incarnation | None:
    return None


def place(
    subject: str,
    follows: str | None,
    known: Callable[[str], Incarnation | None],
    id_of: IdOf,
    newest: Callable[[], Incarnation | None] = _nobody,
) -> Placement | Missing:
    """Return where the router stores a report addressed to ``subject``.

    ``follows`` is the incarnation the intake saw resolved. The router walks from the
    addressed incarnation along ``followed_by`` to the newest one: an open one takes the
    report (also a predecessor the intake read as resolved too early), a resolved one
    without a successor gets one. ``newest`` is the newest incarnation of the key loaded,
    which the walk jumps to past a link not loaded; a link it cannot pass is ``Missing``.
    """
    current = known(subject)
    if current is None:
        if follows is None:
            return first(id_of)
        current = known(follows)
        if current is None:
            return Missing(follows)
    while current.resolved and current.followed_by is not None:
        successor = known(current.followed_by)
        if successor is None:
            successor = newest()
            if successor is None or successor.generation <= current.generation:
                return Missing(current.followed_by)
        if successor.generation <= current.generation:
            raise ValueError(f"escalation {current.id}: followed_by does not move forward")
        current = successor
    return after(current, id_of)
