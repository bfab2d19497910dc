"""List cursors: the keyset position ``<created_at in µs since 1970>.<escalation id>``.

Any string of this form is a position to page on from (newest first, below it), so the
published pattern is exactly what the server accepts: a cursor is never refused for being
one it did not issue (docs/integrations.md, "The OpenAPI document says what
the server enforces").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

PATTERN = r"^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FORM = re.compile(PATTERN)


def encode(created_at: datetime, escalation_id: str) -> str:
    """Return the cursor of the position just after this row."""
    return f"{(created_at - _EPOCH) // _MICROSECOND}.{escalation_id}"


def decode(cursor: str) -> tuple[datetime, str]:
    """Return the (created_at, id) position of a cursor; ValueError if it has another form."""
    if not _FORM.match(cursor):
        raise ValueError(f"cursor: not of the form {PATTERN}")
    micros, escalation_id = cursor.split(".", 1)
    return _EPOCH + int(micros) * _MICROSECOND, escalation_id
