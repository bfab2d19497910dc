"""Status updates: the owner and the paged may post whatever their team, like acknowledge.

docs/contract/access.md ("What each role may do"): posting an update is ``escalations.act``;
the escalation's owner and the people it paged may do it off their team. The enforcement
seam (``auth.access``) marks the endpoints where that holds (``INVOLVED_MAY``).
"""

from __future__ import annotations

from escalations.core.access import Action, roles_of
from escalations.core.access_endpoints import ENDPOINTS
from escalations.core.config import Config, parse_config
from escalations_intake.auth.access import INVOLVED_MAY
from escalations_intake.auth.access_rules import EscalationFacts, on_escalation

from .test_access_rules import CONFIG_YAML

# Legal's escalation, owned by kim; ana (the desk) was paged by another team's policy.
PAGED_ANA = EscalationFacts("e1", "legal", "hate_speech", owner="kim", paged=("kim", "ana"))
# The same, owned off-team by lee and paging vi (a viewer).
OWNED_BY_LEE = EscalationFacts("e2", "legal", "hate_speech", owner="lee", paged=("vi",))


def _config() -> Config:
    return parse_config(CONFIG_YAML).config


def _involved_may(path: str) -> bool:
    return path.endswith(INVOLVED_MAY)


def test_the_involved_may_acknowledge_and_post_updates_and_nothing_else() -> None:
    """Of every endpoint, exactly acknowledge and updates are the involved's off their team."""
    marked = sorted(e.path for e in ENDPOINTS if _involved_may(e.path))
    assert [
        "/v1/escalations/{escalation_id}/acknowledge",
        "/v1/escalations/{escalation_id}/updates",
    ] == marked
    (updates,) = [e for e in ENDPOINTS if e.path.endswith("/updates")]
    assert ("POST", Action.ESCALATIONS_ACT, "escalation") == (
        updates.method,
        updates.action,
        updates.subject,
    )


def test_the_paged_and_the_owner_may_post_off_their_team() -> None:
    """Ana (paged) and lee (owner) post on legal's escalation; dana posts as legal's own."""
    config = _config()
    path = "/v1/escalations/{escalation_id}/updates"
    for person, facts in (("ana", PAGED_ANA), ("lee", OWNED_BY_LEE), ("dana", PAGED_ANA)):
        refusal = on_escalation(
            config, roles_of(config, person), Action.ESCALATIONS_ACT, facts, facts.id,
            acknowledging=_involved_may(path),
        )  # fmt: skip
        assert refusal is None, (person, refusal)


def test_others_and_viewers_may_not_post() -> None:
    """Lee off-team and not involved: 403; vi, paged but a viewer, only reads: 403."""
    config = _config()
    for person, facts in (("lee", PAGED_ANA), ("vi", OWNED_BY_LEE)):
        refusal = on_escalation(
            config, roles_of(config, person), Action.ESCALATIONS_ACT, facts, facts.id,
            acknowledging=True,
        )  # fmt: skip
        assert refusal is not None
        assert 403 == refusal.status
        assert f"'{person}' may not escalations.act on team 'legal'" in refusal.detail
