"""The sensitive-content rule: what may leave through chat and email.

The rule: docs/contract/guarantees.md, "Sensitive content".
"""

from __future__ import annotations

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
