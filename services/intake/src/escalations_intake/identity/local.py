"""Local sign-in for ``make run``: one-time links, one per configured person, no provider.

Off unless ``INTAKE_LOCAL_SIGN_IN=true``, which the settings refuse together with a public
bind address or an https public URL (docs/sign-in.md, "Local sign-in"). A link is a random
token whose hash is a ``local`` grant: it signs its person in once, within an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from fastapi import Request
from starlette.responses import Response

from escalations_intake.db import Sessions
from escalations_intake.db.web_sessions import new_secret, put_grant, take_grant
from escalations_intake.identity.flow import Identity
from escalations_intake.identity.pages import page

LINK_TTL = timedelta(hours=1)
LOCAL_PATH = "/v1/auth/local"


async def issue_links(
    sessions: Sessions, people: Iterable[str], now: datetime, ttl: timedelta = LINK_TTL
) -> dict[str, str]:
    """Store one single-use sign-in token per person; return them by person."""
    tokens: dict[str, str] = {}
    for person in people:
        tokens[person] = new_secret()
        await put_grant(sessions, tokens[person], "local", now=now, ttl=ttl, person=person)
    return tokens


def link(public_url: str, token: str) -> str:
    """Return the URL of a local sign-in token."""
    return f"{public_url.rstrip('/')}{LOCAL_PATH}/{token}"


async def use_link(identity: Identity, request: Request, token: str) -> Response:
    """Sign in the person of a one-time link, or say why not."""
    if not identity.settings.local_sign_in:
        return page(404, "Not found", "Local sign-in is not enabled on this server.", again=False)
    grant = await take_grant(identity.sessions, token, "local", datetime.now(UTC))
    if grant is None or grant.person is None:
        why = "This sign-in link is unknown, used or expired: restart `make run` for new ones."
        return await identity.refuse(request, "link_unknown", why)
    if grant.person not in identity.config.current().people_by_id:
        why = f"'{grant.person}' is no longer in the configuration."
        return await identity.refuse(request, "unknown_person", why)
    return await identity.start_session(request, grant.person, "local")
