"""Who a validated ID token names: its verified e-mail address, mapped to a configured person.

Pure: the claims and the configuration come in, a person id or a refusal comes out
(docs/sign-in.md, "Who may sign in").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalations.core.access import person_for_email
from escalations.core.config import Config


class Refused(Exception):
    """The token names nobody who may sign in; ``reason`` is short and safe to log and show."""

    def __init__(self, reason: str, detail: str, email: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.email = email


def person_of(config: Config, claims: Mapping[str, Any]) -> str:
    """Return the person whose verified e-mail address the claims carry, or raise ``Refused``."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise Refused(
            "no_email",
            "The provider sent no e-mail address. Ask your administrator to release the "
            "`email` claim to this application.",
        )
    # Some providers send the flag as the string "true"; anything else is not verified.
    if claims.get("email_verified") not in (True, "true"):
        raise Refused(
            "email_not_verified",
            f"The provider has not verified the address {email}, so it cannot sign you in.",
            email,
        )
    person = person_for_email(config, email)
    if person is None:
        raise Refused(
            "unknown_person",
            f"{email} is not the sign-in address of anyone in this service's configuration. "
            "Ask an administrator to add it to your entry (`sign_in_emails` or "
            "`contacts.email`).",
            email,
        )
    return person
