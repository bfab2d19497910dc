"""Read a console form: ``application/x-www-form-urlencoded`` fields, each given once.

Console forms are plain HTML forms (no files), so their body is URL-encoded; reading it
here needs no multipart parser. The app's body limit applies before (``http.body_limit``).
A field given twice, a body that is not a form, or a field over its length is an error
naming the field, which the route shows on the page (docs/console.md, "Forms").
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from fastapi import Request

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 50
_STATE = "console_form"


class FormError(ValueError):
    """A form is not one the console accepts; ``name`` is the field (or ``form``)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def parse_form(body: bytes) -> dict[str, str]:
    """Return the fields of a URL-encoded body, or raise ``FormError``. Pure."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError("form", f"not a readable form ({exc})") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise FormError(name, "given more than once")
        if "\x00" in value:
            raise FormError(name, "contains NUL")
        fields[name] = value
    return fields


async def form_fields(request: Request) -> dict[str, str]:
    """Return the request's form fields (read once per request), or raise ``FormError``."""
    cached: dict[str, str] | None = getattr(request.state, _STATE, None)
    if cached is not None:
        return cached
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = await request.body()
    if body and kind != FORM_TYPE:
        raise FormError("form", f"send {FORM_TYPE}, not '{kind or 'nothing'}'")
    fields = parse_form(body)
    setattr(request.state, _STATE, fields)
    return fields


def field(fields: Mapping[str, str], name: str, max_length: int, default: str = "") -> str:
    """Return a field's value (``default`` when absent), or raise if over ``max_length``."""
    value = fields.get(name, default)
    if len(value) > max_length:
        raise FormError(name, f"longer than {max_length} characters")
    return value
