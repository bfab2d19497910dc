"""The consume loop: fetch, claim, deliver, and commit the offsets of what the ledger holds.

Claiming is the one wait on every event's way out (a durable commit before anything is
sent), so the loop never waits for it when it need not: a fetched batch is claimed at once,
beside the claims still running, unless it shares an escalation with one of them. Batches
of one escalation are therefore claimed one after another, in partition order, so the
ledger's stream-order check (a message waits behind an older unfinished one of its stream)
and the closing events' look-up of open pages see every earlier batch. Each claimed batch is
then sent while the loop goes on fetching. A batch is claimed in two steps: its
responders' messages, which go out at once and free the claim slot, then its
stakeholders' (docs/notifier.md, "Stakeholder context"); it counts as claimed once both are.

Offsets are committed up to the last batch before which every batch is claimed: from the
claim on the ledger holds a batch (a crash leaves its rows to the retry loop), and a batch
read again after a crash finds its rows and sends nothing twice.

A claim that fails on a database error is tried again with backoff (the batch and every
later one wait; nothing is committed meanwhile), and so are broker errors of the fetch and
the offset commit: an outage is reported, never fatal (``escalations.outages``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from escalations.db.held import DATABASE_ERRORS
from escalations.outages import KAFKA, POSTGRES, Backoff, Outages, pause
from escalations_notifier import metrics
from escalations_notifier.batch import ClaimedBatch, Notifier, Prepared, Record
from escalations_notifier.ledger import CONCURRENT_CLAIMS

log = logging.getLogger(__name__)
# Messages claimed and not yet sent, across batches, before the loop stops fetching: about
# four full batches, little enough that none waits out its inline retry budget for a slot.
SENDING_BUDGET = 2_000
# How often claimed offsets are committed: a commit is a broker round trip, not a guarantee.
COMMIT_SECONDS = 0.2


@dataclass(eq=False)
class _Batch:
    """One batch from fetch to delivered."""

    escalations: frozenset[str]
    # Its responders' messages are claimed: a batch it must follow may be claimed now.
    paged: asyncio.Future[None]
    # Its stakeholders' too: its offsets may be committed.
    claimed: asyncio.Future[None]
    task: asyncio.Task[None] = field(init=False)
    sending: int = 0


class Flow:
    """The batches between fetch and delivered, and the offsets that are safe to commit."""

    def __init__(
        self,
        notifier: Notifier,
        claims: int,
        budget: int,
        outages: Outages | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        self._notifier = notifier
        self._outages = outages or Outages()
        self._stop = stop or asyncio.Event()
        self._claims = claims
        self._budget = budget
        self._batches: set[_Batch] = set()
        self._marks: defaultdict[TopicPartition, deque[tuple[int, _Batch]]] = defaultdict(deque)

    async def admit(self, batch: dict[TopicPartition, list[Record]]) -> None:
        """Start claiming a fetched batch as soon as nothing it must follow is being claimed."""
        prepared = self._notifier.prepare([r for rs in batch.values() for r in rs])
        while wake := self._blockers(prepared.escalations):
            await asyncio.wait(wake, return_when=asyncio.FIRST_COMPLETED)
            self.check()
        loop = asyncio.get_running_loop()
        entry = _Batch(prepared.escalations, loop.create_future(), loop.create_future())
        entry.task = asyncio.create_task(self._run(prepared, entry), name="batch")
        self._batches.add(entry)
        for tp, records in batch.items():
            self._marks[tp].append((records[-1].offset + 1, entry))

    def claimed_offsets(self) -> dict[TopicPartition, int]:
        """Return, per partition, the offset after the last batch claimed in order so far."""
        offsets: dict[TopicPartition, int] = {}
        for tp, marks in self._marks.items():
            while marks and marks[0][1].claimed.done():
                offsets[tp] = marks.popleft()[0]
        return offsets

    def check(self) -> None:
        """Forget delivered batches; raise what a failed one raised."""
        for entry in [b for b in self._batches if b.task.done()]:
            self._batches.discard(entry)
            entry.task.result()

    async def drain(self) -> None:
        """Wait until every batch is delivered (even after a failure); raise the first failure."""
        await asyncio.gather(*(b.task for b in self._batches), return_exceptions=True)
        self.check()

    async def _claim(self, claim: Callable[[bool], Awaitable[ClaimedBatch]]) -> ClaimedBatch:
        """Claim a batch, retrying database errors with backoff until it succeeds or stops."""
        backoff, again = Backoff(), False
        while True:
            try:
                result = await claim(again)
            except DATABASE_ERRORS as exc:
                self._outages.failed(POSTGRES, "claim", exc)
                if self._stop.is_set():
                    raise
                again = True
                await pause(backoff.next(), self._stop)
                continue
            self._outages.recovered(POSTGRES, "claim")
            return result

    async def _run(self, prepared: Prepared, entry: _Batch) -> None:
        notifier = self._notifier
        claimed = await self._claim(
            lambda again: (
                notifier.claim(prepared, again=True) if again else notifier.claim(prepared)
            )
        )
        entry.paged.set_result(None)
        entry.sending = len(claimed.attempts)
        # Pages go out while the batch's stakeholder messages are planned and claimed; the
        # batch counts as claimed (its offsets may be committed) once both are.
        paging = asyncio.create_task(notifier.deliver(claimed), name="paging")
        try:
            more = await self._claim(
                lambda again: notifier.claim_stakeholders(prepared, claimed, again=again)
            )
        except BaseException:
            await asyncio.gather(paging, return_exceptions=True)
            raise
        entry.claimed.set_result(None)
        entry.sending += len(more.attempts)
        await asyncio.gather(paging, notifier.deliver(more))
        entry.sending = 0

    def _blockers(self, escalations: frozenset[str]) -> list[asyncio.Future[None]]:
        """Return what to wait for: claims of the same escalations, a claim slot, the budget."""
        claiming = [b for b in self._batches if not b.paged.done()]
        first = [b for b in claiming if b.escalations & escalations]
        if not first and len(claiming) >= self._claims:
            first = claiming
        if first:
            # A batch whose claim fails never reports claimed: wake at its end too.
            return [b.paged for b in first] + [b.task for b in first]
        if sum(b.sending for b in self._batches) >= self._budget:
            return [b.task for b in self._batches if b.sending]
        return []


async def consume(
    consumer: AIOKafkaConsumer,
    notifier: Notifier,
    stop: asyncio.Event,
    *,
    claims: int = CONCURRENT_CLAIMS,
    budget: int = SENDING_BUDGET,
    outages: Outages | None = None,
) -> None:
    """Fetch, claim, deliver and commit until ``stop`` is set; batches under way always finish."""
    outages = outages or Outages()
    flow = Flow(notifier, claims, budget, outages, stop)
    offsets: dict[TopicPartition, int] = {}
    committed = time.monotonic()
    backoff = Backoff()
    try:
        while not stop.is_set():
            try:
                batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
                    timeout_ms=200, max_records=500
                )
            except KafkaError as exc:
                outages.failed(KAFKA, "consume", exc)
                await pause(backoff.next(), stop)
                continue
            outages.recovered(KAFKA, "consume")
            backoff.reset()
            flow.check()
            if batch:
                _publish_lag(consumer, batch)
                await flow.admit(batch)
            offsets.update(flow.claimed_offsets())
            if offsets and time.monotonic() - committed >= COMMIT_SECONDS:
                if await _commit(consumer, offsets, outages):
                    offsets = {}
                committed = time.monotonic()
    finally:
        await flow.drain()
    offsets.update(flow.claimed_offsets())
    if offsets:
        await _commit(consumer, offsets, outages)


def _publish_lag(
    consumer: AIOKafkaConsumer, batch: Mapping[TopicPartition, Sequence[Record]]
) -> None:
    for tp, rs in batch.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - rs[-1].offset - 1)


async def _commit(
    consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int], outages: Outages
) -> bool:
    """Commit offsets; return False if the broker is out (they are committed with the next)."""
    try:
        await consumer.commit(offsets)
    except CommitFailedError as exc:
        log.warning("offset commit lost to a rebalance (the ledger prevents resends): %s", exc)
    except KafkaError as exc:
        outages.failed(KAFKA, "commit", exc)
        return False
    outages.recovered(KAFKA, "commit")
    return True
