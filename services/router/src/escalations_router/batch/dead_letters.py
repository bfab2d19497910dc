"""Park an event the router cannot apply on the dead-letter topic, through the outbox."""

from __future__ import annotations

import base64
import logging
from datetime import datetime
from typing import Any

from escalations.contracts.topics import ROUTER_DEADLETTER
from escalations_router import metrics
from escalations_router.batch.decode import Record, dead_letter_id
from escalations_router.postgres import store

log = logging.getLogger(__name__)


def dead_letter(record: Record, reason: str, error: str) -> dict[str, Any]:
    """Return the dead-letter payload for a record: why, and the record as it came."""
    value = record.value or b""
    return {
        "reason": reason,
        "error": error,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode(errors="replace") if record.key else None,
        "value_base64": base64.b64encode(value).decode(),
    }


def park(
    writes: store.Writes,
    record: Record,
    reason: str,
    error: str,
    now: datetime,
    *,
    mark: bool = False,
) -> None:
    """Enqueue a record's dead letter with the batch's writes (``mark``: as processed too)."""
    synthetic_id = dead_letter_id(record)
    log.warning(
        "dead-lettered record (%s): %s",
        reason,
        error,
        extra={
            "partition": record.partition,
            "offset": record.offset,
            "dead_letter_id": synthetic_id,
        },
    )
    key = record.key.decode(errors="replace") if record.key else "unknown"
    writes.enqueue(ROUTER_DEADLETTER, key, synthetic_id, dead_letter(record, reason, error), now)
    if mark:
        writes.mark_processed(synthetic_id, now)
    metrics.DEAD_LETTERS.labels(reason).inc()
