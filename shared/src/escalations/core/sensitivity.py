"""The sensitive-content rule: what may leave through chat and email.

The rule: docs/contract/guarantees.md, "Sensitive content".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalations.core.escalation import PolicyArea

SENSITIVE_POLICY_AREAS: frozenset[PolicyArea] = frozenset(
    {
        PolicyArea.CHILD_SAFETY,
        PolicyArea.NCII,
        PolicyArea.GRAPHIC_VIOLENCE,
        PolicyArea.SELF_HARM,
        PolicyArea.VIOLENT_EXTREMISM,
        PolicyArea.HUMAN_EXPLOITATION,
    }
)


def is_sensitive(policy_area: PolicyArea, *, graphic: bool) -> bool:
    """Return whether chat and email must carry only title, tier, deadline and a link."""
    return graphic or policy_area in SENSITIVE_POLICY_AREAS


def stored_sensitive(policy_area: str, request: Mapping[str, Any]) -> bool:
    """Return whether a stored escalation is sensitive: its policy area or its graphic signal.

    ``request`` is the escalation request as the router stored it; an unknown policy area
    (a row written by a newer version) counts as sensitive, so it is hidden rather than shown.
    """
    try:
        area = PolicyArea(policy_area)
    except ValueError:
        return True
    signals = request.get("signals")
    graphic = isinstance(signals, Mapping) and signals.get("graphic") is True
    return is_sensitive(area, graphic=graphic)
