"""Who a request acts for: a source (an API key) or a person (a personal token or a session).

Sources act as ``system:<source>``; people act as themselves (docs/contract/http-api.md,
"Personal API tokens"). A person's ``source`` is ``person:<id>``: rate limits and
``Idempotency-Key`` replays are per person, and source names cannot hold a colon, so no
source can pass for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalations.core.escalation import SourceKind

SYSTEM_ACTOR_PREFIX = "system:"


class Scope(StrEnum):
    """What a key or token may do (docs/contract/http-api.md)."""

    WRITE = "escalations:write"
    READ = "escalations:read"
    ACT = "escalations:act"
    SCHEDULES = "schedules:write"


@dataclass(frozen=True)
class Principal:
    """The authenticated source or person behind a request.

    ``person`` is None for a source key; ``token_id`` names the personal token used, if any.
    """

    source: str
    source_kind: SourceKind
    scopes: frozenset[Scope]
    person: str | None = None
    token_id: str | None = None

    @property
    def actor(self) -> str:
        """Return who the request acts as: the person, or ``system:<source>``."""
        return self.person if self.person is not None else SYSTEM_ACTOR_PREFIX + self.source
