"""The ``access`` section: who is an admin, who is a read-only viewer, what is need-to-know.

Team leads are listed on the teams (``teams[].lead`` and ``teams[].leads``) and responders
are the people on a team's schedule; the roles and what each may do are in
docs/contract/access.md, and the pure rules in ``escalations.core.access``.
"""

from __future__ import annotations

from pydantic import BaseModel

from escalations.core.config_types import FROZEN, Identifier
from escalations.core.escalation import PolicyArea

DEFAULT_RESTRICTED: tuple[PolicyArea, ...] = (PolicyArea.CHILD_SAFETY, PolicyArea.NCII)
"""The need-to-know policy areas when the configuration names none."""


class AccessConfig(BaseModel):
    """Roles that are not tied to a team, and the need-to-know policy areas."""

    model_config = FROZEN

    admins: tuple[Identifier, ...] = ()
    viewers: tuple[Identifier, ...] = ()
    restricted_policy_areas: tuple[PolicyArea, ...] = DEFAULT_RESTRICTED
