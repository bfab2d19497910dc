"""An open-loop load generator for the intake that records every answer it got.

Requests leave at a fixed rate whatever the answers do (a slow or refusing intake does not
slow the senders down, as real upstream systems would not), each with a fresh
``external_id``. Every ``202`` is recorded with the escalation id it named, so a test can
check that each accepted escalation was stored and notified.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

ANSWER_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Answer:
    """What the intake answered to one request (``status`` None: no HTTP answer at all)."""

    index: int
    status: int | None
    escalation_id: str | None
    error: str | None
    sent_at: float
    answered_at: float


def escalation_body(tag: str, index: int) -> dict[str, Any]:
    """Return a low-urgency escalation (P4 spam: no timer fires while a test runs)."""
    return {
        "external_id": f"{tag}-{index}",
        "title": f"Spam ring report {index}",
        "policy_area": "spam",
        "language": "en",
        "reach": {"impressions_24h": 100, "followers": 10},
    }


@dataclass
class Load:
    """``count`` creates at ``rate`` per second against one intake, in a thread of its own."""

    url: str
    key: str
    count: int
    rate: float
    tag: str
    answers: list[Answer] = field(default_factory=list)
    sent: int = 0  # requests sent so far (answered or not)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> Load:
        """Start sending; return at once."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float = 120.0) -> None:
        """Wait until every request has its answer (or its error)."""
        assert self._thread is not None, "start() first"
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the load did not finish in {timeout:g} s"

    def answered(self) -> int:
        """Return how many requests have been answered so far."""
        with self._lock:
            return len(self.answers)

    def accepted(self) -> dict[str, Answer]:
        """Return the answers ``202`` by escalation id."""
        with self._lock:
            return {a.escalation_id: a for a in self.answers if a.status == 202 and a.escalation_id}

    def statuses(self) -> dict[int | None, int]:
        """Return how many answers had each status (None: no answer)."""
        counts: dict[int | None, int] = {}
        with self._lock:
            for answer in self.answers:
                counts[answer.status] = counts.get(answer.status, 0) + 1
        return counts

    def errors(self) -> list[str]:
        """Return the errors of requests that got no usable answer, or an unexpected one."""
        with self._lock:
            return [
                f"#{a.index}: {a.status} {a.error}"
                for a in self.answers
                if a.status not in (202, 503)
            ]

    async def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        limits = httpx.Limits(max_connections=2000, max_keepalive_connections=200)
        async with httpx.AsyncClient(
            base_url=self.url, headers=headers, timeout=ANSWER_TIMEOUT_S, limits=limits
        ) as client:
            started = time.monotonic()
            tasks = []
            for index in range(self.count):
                delay = started + index / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self._one(client, index)))
                self.sent = index + 1
            await asyncio.gather(*tasks)

    async def _one(self, client: httpx.AsyncClient, index: int) -> None:
        sent = time.monotonic()
        status: int | None = None
        escalation_id = error = None
        try:
            response = await client.post("/v1/escalations", json=escalation_body(self.tag, index))
            status = response.status_code
            if status == 202:
                escalation_id = str(response.json()["id"])
            else:
                error = response.text[:200]
        except httpx.HTTPError as exc:
            error = repr(exc)
        answer = Answer(index, status, escalation_id, error, sent, time.monotonic())
        with self._lock:
            self.answers.append(answer)
