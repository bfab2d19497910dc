"""A duration type for configuration: ``90s``, ``5m``, ``4h``, ``10d``, ``1h30m`` or ISO 8601."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_COMPACT = re.compile(r"^(?:\d+[wdhms])+$")
_PART = re.compile(r"(\d+)([wdhms])")


def parse_duration(value: object) -> object:
    """Turn a compact duration like ``4h`` or ``1h30m`` into a timedelta; pass others on."""
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if _COMPACT.match(text):
            seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
            return timedelta(seconds=seconds)
    return value


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("duration must be positive, e.g. '15m', '4h' or '10d'")
    return value


def format_duration(value: timedelta) -> str:
    """Render a timedelta compactly (``1h30m``, ``10d``) for reasons and logs."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


Duration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_positive)]
"""A positive duration; YAML may say ``5m``, ``4h``, ``10d``, ISO 8601 or seconds."""
