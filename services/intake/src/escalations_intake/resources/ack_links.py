"""Signed acknowledge links from notifications: GET shows a confirmation page, POST acts.

GET never acts, so mail scanners that prefetch links acknowledge nothing. The token is the
credential (see ``escalations.links``); no API key is needed. Repeated POSTs of one link
publish the same event id, so the router applies the acknowledgement once.
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import SecretStr

from escalations.contracts.events import AcknowledgeRequested
from escalations.contracts.ids import NAMESPACE
from escalations.core.sensitivity import stored_sensitive
from escalations.db.models import EscalationRow
from escalations.links import AckClaim, LinkError, verify_ack_token
from escalations_intake.db import Sessions
from escalations_intake.http.audit import audit_anonymous
from escalations_intake.http.deps import PublisherDep, SessionsDep, SettingsDep
from escalations_intake.http.idempotent import json_response
from escalations_intake.http.problems import PROBLEM_JSON, problem_response
from escalations_intake.redaction import without_urls

router = APIRouter(prefix="/v1/ack", tags=["acknowledge links"])
SOURCE = "ack-link"
Token = Annotated[str, Path(min_length=1, max_length=1000, description="The signed token")]
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1.1rem;padding:.6rem 1.4rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""
_HTML_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Confirmation page", "content": {"text/html": {}}},
    403: {"description": "Forged link (signature does not match)", "content": {"text/html": {}}},
    404: {
        "description": "Malformed link (not one this server issued), links disabled, or "
        "unknown escalation",
        "content": {"text/html": {}},
    },
    410: {"description": "Expired link", "content": {"text/html": {}}},
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status_code=status)


def _status_of(error: LinkError) -> int:
    # A malformed token names no link this server issued: 404, like any unknown path.
    text = str(error)
    return 410 if "expired" in text else 403 if "signature" in text else 404


def _verify(secret: SecretStr | None, token: str) -> AckClaim | tuple[int, str]:
    if secret is None:
        return 404, "acknowledge links are not enabled on this server"
    try:
        return verify_ack_token(secret.get_secret_value().encode(), token, datetime.now(UTC))
    except LinkError as exc:
        return _status_of(exc), str(exc)


async def _row(sessions: Sessions, esc_id: str) -> EscalationRow | None:
    async with sessions() as session:
        return await session.get(EscalationRow, esc_id)


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    responses=_HTML_ANSWERS,
    summary="Acknowledge link: confirmation page",
)
async def confirm_page(
    token: Token, request: Request, settings: SettingsDep, sessions: SessionsDep
) -> HTMLResponse:
    """Show what the link acknowledges and a button that POSTs to the same URL."""
    claim = _verify(settings.link_secret, token)
    if not isinstance(claim, AckClaim):
        return _page("Link not valid", f"<p>{html.escape(claim[1])}.</p>", claim[0])
    row = await _row(sessions, claim.escalation_id)
    if row is None:
        return _page("Not found", "<p>This escalation does not exist (yet).</p>", 404)
    # A sensitive title shows no URL, as in its notifications (docs/contract/guarantees.md).
    sensitive = stored_sensitive(row.policy_area, row.request)
    title = without_urls(row.title) if sensitive else row.title
    facts = (
        f"<p><strong>{html.escape(title)}</strong></p>"
        f"<p>Tier {html.escape(row.tier)}, status {html.escape(row.status)}.</p>"
        f"<p>Acknowledge as <strong>{html.escape(claim.person)}</strong>? "
        f"The link is valid until {claim.expires_at:%Y-%m-%d %H:%M} UTC.</p>"
    )
    form = (
        f'<form method="post" action="{html.escape(str(request.url.path))}">'
        '<button type="submit">Acknowledge</button></form>'
    )
    return _page("Acknowledge escalation", facts + form)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    return form or "text/html" in accept


_EITHER = {
    "text/html": {},
    PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}},
}
_POST_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Acknowledgement sent to the router (HTML page for browsers, else JSON)",
        "content": {"text/html": {}, "application/json": {}},
    },
    **{
        code: {**answer, "content": _EITHER}
        for code, answer in _HTML_ANSWERS.items()
        if code != 200
    },
    503: {"description": "The event broker did not take it; retry", "content": _EITHER},
}


@router.post(
    "/{token}",
    status_code=202,
    response_class=Response,
    responses=_POST_ANSWERS,
    summary="Acknowledge link: acknowledge",
)
async def acknowledge_by_link(
    token: Token,
    request: Request,
    settings: SettingsDep,
    sessions: SessionsDep,
    publisher: PublisherDep,
) -> Response:
    """Acknowledge as the person the link was sent to; browsers get a page, others JSON."""
    claim = _verify(settings.link_secret, token)
    as_html = _wants_html(request)
    if not isinstance(claim, AckClaim):
        status, detail = claim
        if as_html:
            return _page("Link not valid", f"<p>{html.escape(detail)}.</p>", status)
        return problem_response(status, "Invalid acknowledge link", detail)
    if await _row(sessions, claim.escalation_id) is None:
        detail = f"no escalation with id '{claim.escalation_id}'"
        if as_html:
            return _page("Not found", f"<p>{html.escape(detail)}.</p>", 404)
        return problem_response(404, "Not found", detail)
    payload = AcknowledgeRequested(
        escalation_id=claim.escalation_id,
        by=claim.person,
        source=SOURCE,
        requested_at=datetime.now(UTC),
    )
    event_id = str(uuid.uuid5(NAMESPACE, f"ack-link\x1f{token}"))
    await publisher.publish(payload, claim.escalation_id, event_id)
    via_link = {"by": claim.person, "via": "acknowledge link"}
    await audit_anonymous(
        request, claim.person, "escalation.acknowledge", "escalation", claim.escalation_id, via_link
    )
    if as_html:
        return _page(
            "Acknowledged",
            "<p>Thank you. The escalation timer stops once the "
            "router records it; the escalation page shows the history.</p>",
            202,
        )
    body = {"id": claim.escalation_id, "command": "acknowledge", "accepted": True}
    return json_response(body, 202)
