"""The queue's filters, read from the query string and written back into links. Pure.

Every filter is a GET parameter, so a filtered queue is a URL to share or bookmark. An
empty value does not filter (a form's blank field); a bad value is a ``FilterError``
naming the parameter, which the page answers with status 400 (docs/console.md, "Queue").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from escalations.contracts.events import Status
from escalations.core.escalation import PolicyArea, Tier

OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.RESOLVED)
TIERS = tuple(t.value for t in Tier)
POLICY_AREAS = tuple(a.value for a in PolicyArea)
PAGE_SIZE = 50
MAX_PAGE = 200  # 10,000 rows deep at most: narrow the filters beyond that
MAX_SEARCH = 200
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_TRUE = ("1", "on", "true", "yes")
_FALSE = ("", "0", "off", "false", "no")
FIELDS = ("team", "tier", "status", "mine", "policy_area", "source", "q", "page")


class FilterError(ValueError):
    """A filter's value is not one the queue accepts; ``name`` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the queue shows: each None (or False) filter leaves that column alone."""

    team: str | None = None
    tier: str | None = None
    status: str | None = None
    mine: bool = False
    policy_area: str | None = None
    source: str | None = None
    q: str | None = None
    page: int = 1

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.page - 1) * PAGE_SIZE

    @property
    def any(self) -> bool:
        """Whether any filter narrows the queue (the page number aside)."""
        return self != QueueFilters(page=self.page)


def parse_filters(params: Mapping[str, str | None], teams: Collection[str]) -> QueueFilters:
    """Return the filters of a query string, or raise ``FilterError`` naming the bad one."""
    given = {k: (v or "").strip() for k, v in params.items() if k in FIELDS}
    return QueueFilters(
        team=_one_of("team", given.get("team", ""), sorted(teams)),
        tier=_one_of("tier", given.get("tier", "").upper(), TIERS),
        status=_one_of("status", given.get("status", "").lower(), OPEN_STATUSES),
        mine=_flag("mine", given.get("mine", "")),
        policy_area=_one_of("policy_area", given.get("policy_area", "").lower(), POLICY_AREAS),
        source=_source(given.get("source", "")),
        q=_search(given.get("q", "")),
        page=_page(given.get("page", "")),
    )


def query_string(filters: QueueFilters, **changes: object) -> str:
    """Return the query string of ``filters`` (with ``changes``), leaving out defaults."""
    values = asdict(replace(filters, **changes))  # type: ignore[arg-type]  # field names
    kept = {
        name: ("1" if value is True else str(value))
        for name, value in values.items()
        if value not in (None, False, "") and not (name == "page" and value == 1)
    }
    return urlencode(kept)


def nearest_deadline(
    acknowledge_by: datetime | None,
    resolve_by: datetime | None,
    regulatory_deadline: datetime | None,
    *,
    acknowledged: bool,
) -> datetime | None:
    """Return the deadline that comes first; acknowledging ends the acknowledge deadline."""
    found = [d for d in (resolve_by, regulatory_deadline) if d is not None]
    if acknowledge_by is not None and not acknowledged:
        found.append(acknowledge_by)
    return min(found, default=None)


def urgency_key(
    tier: str, nearest: datetime | None, escalation_id: str
) -> tuple[str, bool, datetime | None, str]:
    """Return the queue's order of one escalation: tier, then nearest deadline (none last).

    ``queue_query`` orders by the same key in SQL; this states it for tests and readers.
    """
    return (tier, nearest is None, nearest, escalation_id)


def _one_of(name: str, value: str, allowed: Collection[str]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise FilterError(name, f"'{shown}' is not one of {', '.join(allowed)}")
    return value


def _flag(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise FilterError(name, "give 1 (only mine) or leave it out")


def _source(value: str) -> str | None:
    if not value:
        return None
    if not _SOURCE.match(value):
        raise FilterError("source", "a source name: letters, digits, _ . : - (up to 100)")
    return value


def _search(value: str) -> str | None:
    if not value:
        return None
    if len(value) > MAX_SEARCH:
        raise FilterError("q", f"search text is longer than {MAX_SEARCH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise FilterError("q", "search text contains control characters")
    return value


def _page(value: str) -> int:
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE:
        raise FilterError("page", f"a page number from 1 to {MAX_PAGE}")
    return int(value)
