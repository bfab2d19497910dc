"""Request-body helpers shared by the intake's routes.

The shared ``EscalationIn`` is strict (no numbers for timestamps or flags, bounded counts,
URLs bounded once normalised); the intake's own bodies (schedules, simulate, integrations)
reuse its ``Timestamp`` type.
"""

from __future__ import annotations

from escalations.core.escalation import EscalationIn, Timestamp, no_number

__all__ = ["Timestamp", "as_core", "no_number"]


def as_core(body: EscalationIn, exclude: frozenset[str] = frozenset()) -> EscalationIn:
    """Return the shared model of a body without the intake-only fields in ``exclude``."""
    if not exclude:
        return body
    return EscalationIn.model_validate(body.model_dump(exclude=set(exclude)))
