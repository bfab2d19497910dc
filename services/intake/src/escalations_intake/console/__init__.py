"""The console: the escalations desk in a browser, served by the intake (docs/console.md).

``router`` holds every console page; ``errors.install`` makes errors under ``/console``
HTML pages. A page module adds its ``router`` to ``PAGES``; the site's catch-all 404 is
always included last.
"""

from __future__ import annotations

from fastapi import APIRouter

from escalations_intake.console import (
    actions,
    escalation,
    followers,
    handoffs,
    health,
    oncall,
    oncall_actions,
    queue,
    session,
    simulate,
    site,
    update_actions,
)
from escalations_intake.console.errors import install

PAGES = (
    queue.router,
    escalation.router,
    actions.router,
    update_actions.router,
    session.router,
    simulate.router,
    health.router,
    oncall.router,
    oncall_actions.router,
    handoffs.router,
    followers.router,
)

router = APIRouter(include_in_schema=False)
for _page in PAGES:
    router.include_router(_page)
router.include_router(site.router)  # last: its catch-all answers the console's 404

__all__ = ["install", "router"]
