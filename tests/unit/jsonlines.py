"""Capture what the root logger writes, through the services' JSON formatter, for tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from escalations.logs import JsonFormatter


class Lines:
    """The JSON lines written while capturing."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        """Return every line written so far, parsed."""
        return [orjson.loads(line) for line in self.stream.getvalue().splitlines()]

    def with_msg(self, text: str) -> list[dict[str, Any]]:
        """Return the lines whose message contains ``text``."""
        return [line for line in self.all() if text in line["msg"]]


@contextmanager
def json_lines(level: int = logging.INFO) -> Iterator[Lines]:
    """Capture the root logger's output as JSON lines while the block runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield Lines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
