"""JSON log lines: the context's ids on every line, safe extra fields, the set-up's log call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from escalations import setup
from escalations.logs import current_context, fields, log_context
from tests.unit.jsonlines import Lines, json_lines


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Capture the root logger's output through the JSON formatter."""
    with json_lines() as captured:
        yield captured


log = logging.getLogger("tests.logs")


def test_a_line_inside_a_context_carries_its_ids(lines: Lines) -> None:
    """Every line logged inside ``log_context`` carries the escalation and event ids."""
    with log_context(escalation_id="esc-1", event_id="ev-1"):
        log.info("applied")
    log.info("outside")
    inside, outside = lines.all()
    assert ("esc-1", "ev-1") == (inside["escalation_id"], inside["event_id"])
    assert "escalation_id" not in outside
    assert {} == current_context()


def test_nested_contexts_add_and_restore(lines: Lines) -> None:
    """An inner context adds fields (None ones left out) and the outer one comes back after."""
    with log_context(escalation_id="esc-1"):
        with log_context(event_id="ev-2", channel=None):
            log.info("inner")
        log.info("outer")
    inner, outer = lines.all()
    assert {"escalation_id": "esc-1", "event_id": "ev-2"}.items() <= inner.items()
    assert "channel" not in inner
    assert "event_id" not in outer


async def test_contexts_of_concurrent_tasks_stay_apart(lines: Lines) -> None:
    """Two events handled at once each log their own ids, never the other's."""

    async def handle(esc: str) -> None:
        with log_context(escalation_id=esc, event_id=f"ev-{esc}"):
            await asyncio.sleep(0)
            log.info("sending")

    await asyncio.gather(handle("a"), handle("b"))
    assert {("a", "ev-a"), ("b", "ev-b")} == {
        (line["escalation_id"], line["event_id"]) for line in lines.all()
    }


def test_reserved_names_are_safe_through_fields(lines: Lines) -> None:
    """``created``, ``msg`` and ``args`` as fields neither raise nor clobber the line."""
    log.info("topics ready", extra=fields(created=["a"], msg="x", args=3, level="loud"))
    (line,) = lines.all()
    assert "topics ready" == line["msg"]
    assert "info" == line["level"]
    assert ["a"] == line["created"]
    assert ("x", 3, "loud") == (line["field_msg"], line["args"], line["field_level"])


def test_a_plain_extra_is_written(lines: Lines) -> None:
    """A call's own ``extra`` fields are written beside the context's, and win over them."""
    with log_context(escalation_id="esc-1", partition=1):
        log.warning("parked", extra={"partition": 4, "offset": 7})
    (line,) = lines.all()
    assert ("esc-1", 4, 7) == (line["escalation_id"], line["partition"], line["offset"])


def test_hostile_text_stays_on_one_json_line(lines: Lines) -> None:
    """Control characters, markup and huge values in a message or field stay one valid line."""
    hostile = "<script>alert(1)</script>\n\r\x00\x1b[31m" + "x" * 100_000
    with log_context(escalation_id=hostile):
        log.info("title %s", hostile, extra=fields(note=hostile))
    text = lines.stream.getvalue()
    assert 1 == text.count("\n")
    (line,) = lines.all()
    assert (hostile, hostile) == (line["escalation_id"], line["note"])
    assert line["msg"].endswith("x" * 100)


def test_setup_logs_the_topics_it_created(lines: Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m escalations.setup`` logs its result instead of raising on ``created``."""

    async def create_topics(bootstrap: str, topics: object) -> list[str]:
        return ["escalations.intake.v1"]

    migrated: list[str] = []
    monkeypatch.setattr(setup, "create_topics", create_topics)
    monkeypatch.setattr(setup, "upgrade", migrated.append)
    settings = setup.SetupSettings(
        DATABASE_URL="postgresql://u:p@127.0.0.1:1/db", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1"
    )
    setup.run(settings)
    first, second = lines.all()
    assert ("topics ready", ["escalations.intake.v1"]) == (first["msg"], first["created"])
    assert "database schema at head" == second["msg"]
    assert [settings.database_url] == migrated
