"""What a read hides of a sensitive escalation until a person reveals it. Pure, no I/O.

Sensitive is ``escalations.core.sensitivity.is_sensitive`` (docs/contract/guarantees.md,
"Sensitive content"). A redacted read carries no description, no content ids and no
content URLs (each content reference keeps its ``kind``), and every URL left in any other
text of the request, or in the history's reasons, reads ``[url]`` instead
(docs/contract/http-api.md, "Sensitive content and reveal").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalations.core.urls import URL_MARK, mask_urls

__all__ = ["URL_MARK", "redact_reason", "redact_request", "without_urls"]


def without_urls(text: str) -> str:
    """Return ``text`` with every URL in it replaced by ``[url]`` (``escalations.core.urls``)."""
    return mask_urls(text)


def redact_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored request as a redacted read shows it.

    No description; each content reference keeps only its ``kind`` (so the count stays);
    URLs in every other text, at any depth, read ``[url]``.
    """
    shown = {key: _scrub(value) for key, value in request.items()}
    if "description" in shown:
        shown["description"] = None
    refs = request.get("content_refs")
    if isinstance(refs, list):
        shown["content_refs"] = [
            {"kind": ref.get("kind"), "id": None, "url": None}
            for ref in refs
            if isinstance(ref, Mapping)
        ]
    return shown


def redact_reason(reason: str | None) -> str | None:
    """Return a history reason with its URLs hidden (a resolve note may quote the content)."""
    return None if reason is None else without_urls(reason)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return without_urls(value)
    if isinstance(value, Mapping):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value
