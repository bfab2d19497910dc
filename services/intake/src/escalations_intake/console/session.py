"""Signing out from the console: a form with the session's CSRF token, then a page.

The API's ``POST /v1/auth/sign-out`` wants ``X-CSRF-Token``, which a plain form cannot
send; this route checks the form's token instead (``people.Person``) and ends the session
the same way, audit entry included (docs/sign-in.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from escalations_intake.console.people import Person
from escalations_intake.identity import cookies
from escalations_intake.identity.routes import end_session, identity_of

router = APIRouter(prefix="/console", include_in_schema=False)


@router.post("/sign-out")
async def sign_out(request: Request, person: Person) -> RedirectResponse:
    """End the session of the request's cookie and show the signed-out page."""
    identity = identity_of(request)
    response = RedirectResponse("/console/signed-out", status_code=303)
    cookies.clear_session(response, secure=identity.settings.https)
    if person.session is not None:
        await end_session(identity, request, person.session)
    return response
