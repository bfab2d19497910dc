"""Escalation ids: derived from (source, external_id, generation), as the router derives them.

The derivation is part of the contract between the services
(``escalations.contracts.ids``); this module keeps the intake's name for it.
"""

from __future__ import annotations

from escalations.contracts.ids import NAMESPACE, escalation_id

__all__ = ["NAMESPACE", "escalation_id"]
