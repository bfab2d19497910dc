"""What subscriptions look like from outside, decided from plain data (no I/O).

* A Slack, Teams or webhook URL is a credential: it is shown, logged and audited only as
  its origin followed by ``/…`` (docs/contract/http-api.md, "Subscriptions").
* The configuration's subscription rules (``stakeholders.subscriptions``) that match a
  stored escalation, by the same facts routing rules match on, plus its signals
  (docs/configuration.md, "stakeholders").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from escalations.core.config import Config
from escalations.core.config_stakeholders import signals_set
from escalations.core.escalation import PolicyArea, Regime, SourceKind, Tier
from escalations.core.routing import RouteFacts
from escalations.db.models import EscalationRow

Kind = Literal["person", "email", "webhook", "slack", "teams"]
KINDS: tuple[Kind, ...] = ("person", "email", "webhook", "slack", "teams")
URL_KINDS = frozenset({"webhook", "slack", "teams"})
HIDDEN_PATH = "/…"

_E = TypeVar("_E", bound=StrEnum)


def url_origin(url: str) -> str:
    """Return ``scheme://host[:port]`` of a URL, without user, path, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def shown_target(kind: str, target: str) -> str:
    """Return a subscription's target as it may be shown: URLs as their origin and ``/…``."""
    return url_origin(target) + HIDDEN_PATH if kind in URL_KINDS else target


def route_facts(row: EscalationRow) -> RouteFacts:
    """Return the facts rules match on, read from a stored escalation."""
    request: Mapping[str, Any] = row.request or {}
    regulatory = request.get("regulatory") or {}
    return RouteFacts(
        policy_area=PolicyArea(row.policy_area),
        region=request.get("region"),
        language=request.get("language"),
        source=row.source,
        source_kind=_member(SourceKind, row.source_kind),
        regime=_member(Regime, regulatory.get("regime")) or Regime.NONE,
        tier=_member(Tier, row.tier),
    )


def matching_rules(config: Config, row: EscalationRow) -> list[str]:
    """Return the names of the configuration's subscription rules that match, in order."""
    signals = signals_set((row.request or {}).get("signals"))
    found = config.stakeholders.subscribers(route_facts(row), signals)
    return list(dict.fromkeys(name for name, _ in found))


def _member(kind: type[_E], value: str | None) -> _E | None:
    """Return the enum member named ``value``, or None for a value the enum lacks."""
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        return None
