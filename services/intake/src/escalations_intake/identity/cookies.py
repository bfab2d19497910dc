"""The two cookies of a browser sign-in: the session, and the sign-in under way.

Both are HttpOnly (no script reads them), SameSite=Lax (not sent with cross-site writes)
and Secure when people reach the intake over https (docs/sign-in.md, "Sessions").
"""

from __future__ import annotations

from starlette.responses import Response

SESSION = "esc_session"
# Binds a provider's callback to the browser that started the sign-in (login CSRF).
SIGN_IN = "esc_sign_in"
SIGN_IN_PATH = "/v1/auth"


def set_session(response: Response, value: str, max_age: int, *, secure: bool) -> None:
    """Set the session cookie on ``response``."""
    response.set_cookie(
        SESSION, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax"
    )


def clear_session(response: Response, *, secure: bool) -> None:
    """Tell the browser to forget its session cookie."""
    response.delete_cookie(SESSION, path="/", secure=secure, httponly=True, samesite="lax")


def set_sign_in(response: Response, state: str, max_age: int, *, secure: bool) -> None:
    """Remember, in this browser only, the state of the sign-in it started."""
    response.set_cookie(
        SIGN_IN,
        state,
        max_age=max_age,
        path=SIGN_IN_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_sign_in(response: Response, *, secure: bool) -> None:
    """Forget the sign-in under way."""
    response.delete_cookie(SIGN_IN, path=SIGN_IN_PATH, secure=secure, httponly=True, samesite="lax")
