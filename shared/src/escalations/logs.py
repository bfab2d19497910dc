"""JSON logs, one object per line, carrying escalation and event ids when known.

Ids come from a context rather than from every log call: the place that handles one event
or request wraps its work in ``log_context(escalation_id=..., event_id=...)``, and every
line logged inside it (by any module, in that task) carries those fields. A call's own
``extra`` fields are written too; ``fields()`` builds such an ``extra`` safely, since a key
named like a ``LogRecord`` attribute (``created``, ``args``, ``msg``...) makes the logging
module raise ``KeyError`` at the call (see docs/operations.md, "Log fields").
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import orjson

# The attributes every LogRecord has; anything else on a record came from ``extra``
# (uvicorn adds ``color_message``, the message again with terminal colour codes).
RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",
}
# The keys of the JSON line itself; fields of that name are written with a prefix.
_BASE_KEYS = frozenset({"ts", "level", "service", "logger", "msg", "exc"})
_FIELDS = "log_fields"
_PREFIX = "field_"
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: ContextVar[Mapping[str, Any]] = ContextVar("log_context")


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add ``values`` (None ones left out) to every line logged inside the block."""
    added = {name: value for name, value in values.items() if value is not None}
    token = _context.set({**_context.get(_EMPTY), **added})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, Any]:
    """Return the fields the lines logged here would carry from the context."""
    return _context.get(_EMPTY)


def fields(**values: Any) -> dict[str, Any]:
    """Return an ``extra`` for a log call; any name is safe, ``created`` included."""
    return {_FIELDS: values}


def _safe_name(name: str) -> str:
    return _PREFIX + name if name in _BASE_KEYS else name


class JsonFormatter(logging.Formatter):
    """Format records as single-line JSON objects."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON line: base keys, then context, then the call's fields."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in _context.get(_EMPTY).items():
            entry[_safe_name(name)] = value
        for name, value in vars(record).items():
            if name not in RESERVED and name != _FIELDS and value is not None:
                entry[_safe_name(name)] = value
        for name, value in (getattr(record, _FIELDS, None) or {}).items():
            entry[_safe_name(name)] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's output to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs every reconnect attempt at WARNING/ERROR; keep them, but not its INFO chatter.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
