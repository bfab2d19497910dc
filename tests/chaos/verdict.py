"""The figures of a fault-injection run, computed from plain records (no I/O here).

A delivery is one webhook request the receiver accepted. Several deliveries of one event to
one address are duplicates; the first is the original, and each later one must carry the
redelivery mark (a re-send after an unknown outcome) to count as ``marked``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    """One notification the receiver accepted."""

    escalation_id: str
    event_id: str
    event_type: str
    path: str
    redelivery: bool
    at: float


@dataclass(frozen=True)
class Figures:
    """What a scenario measured; ``print``-ed by every scenario."""

    scenario: str
    sent: int
    accepted: int
    refused: int
    stored: int
    delivered: int
    marked: int
    unmarked: int
    recovery_s: float | None = None

    def line(self) -> str:
        """Return the figures on one line."""
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.2f} s"
        return (
            f"chaos {self.scenario}: sent {self.sent}, accepted {self.accepted}, "
            f"refused (503) {self.refused}, stored {self.stored}, delivered {self.delivered}, "
            f"duplicates marked {self.marked} / unmarked {self.unmarked}, recovery {recovery}"
        )


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header's value, matching its name without regard to case."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def duplicates(deliveries: Iterable[Delivery]) -> tuple[int, int]:
    """Return (marked, unmarked) counts of the copies after the first of each event and path."""
    seen: set[tuple[str, str]] = set()
    marked = unmarked = 0
    for delivery in sorted(deliveries, key=lambda d: d.at):
        key = (delivery.event_id, delivery.path)
        if key not in seen:
            seen.add(key)
        elif delivery.redelivery:
            marked += 1
        else:
            unmarked += 1
    return marked, unmarked


def first_arrivals(deliveries: Iterable[Delivery], event_type: str) -> dict[str, float]:
    """Return, per escalation, when the first delivery of ``event_type`` for it arrived."""
    first: dict[str, float] = {}
    for delivery in deliveries:
        if delivery.event_type == event_type:
            known = first.get(delivery.escalation_id)
            first[delivery.escalation_id] = (
                delivery.at if known is None else min(known, delivery.at)
            )
    return first


def undelivered(accepted: Collection[str], arrivals: Mapping[str, float]) -> list[str]:
    """Return the accepted escalation ids no delivery reached, sorted."""
    return sorted(set(accepted) - set(arrivals))


def drained_after(waiting: Collection[str], arrivals: Mapping[str, float], back_at: float) -> float:
    """Return the seconds from ``back_at`` until every waiting escalation was delivered.

    Zero when all of them had arrived before ``back_at``. Raises ValueError naming the ids
    that never arrived, since then there is no recovery time to give.
    """
    missing = undelivered(waiting, arrivals)
    if missing:
        raise ValueError(f"{len(missing)} waiting escalations never arrived, e.g. {missing[:3]}")
    last = max((arrivals[escalation_id] for escalation_id in waiting), default=back_at)
    return max(0.0, last - back_at)
