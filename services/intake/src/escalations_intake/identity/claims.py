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
    if not email_verified(claims):
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


_TRUE = (True, "true", "1")  # 1 == True


def email_verified(claims: Mapping[str, Any]) -> bool:
    """Return whether the provider vouches for the address (docs/sign-in.md, "Who may sign in").

    ``email_verified`` true (some providers send the string "true"); or, when a token carries
    no ``email_verified`` at all, Microsoft Entra ID's optional ``xms_edov`` true: the
    address's domain is verified as owned by the tenant that issued the token.
    """
    if "email_verified" in claims:
        return claims["email_verified"] in (True, "true")
    return claims.get("xms_edov") in _TRUE
