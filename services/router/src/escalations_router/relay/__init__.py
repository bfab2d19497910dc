"""The outbox relay: publishes committed outgoing events in order, then marks them sent.

One relay leads at a time across all router instances: it holds a session-level advisory
lock on a dedicated connection, which Postgres releases the moment that process dies. A new
leader first reconciles: a crash between publishing a batch and marking it sent leaves rows
that are already in Kafka, so it reads the tail of each partition it publishes to and marks
the rows whose event id it finds there (every record carries an ``event-id`` header). Only
then does it publish, so a crash and restart does not publish an event twice.

Rows reach the producer two ways. The relay reads unsent rows in id order (after a wake,
and at least every idle period, which also marks what was acknowledged). And a batch of the
leading router hands over the rows about the escalations it has just created, without a
read: no transaction wrote about an escalation before the one that created it, so no older
row with the same key waits unsent. The batch reserves those rows (ids and keys) after its
write statement and before its commit, hands them over once committed, or releases them if
the commit failed. Reads leave out reserved ids, so no read publishes them a second time,
and reserved keys, so no later row about the same escalation overtakes them; handed rows go
to the producer before the next read. Postgres may take a read's snapshot after the read
was sent, once a batch reserved and committed more rows: what a read returns is filtered
again against the reservations and hand-overs of that moment. A reservation made under an
earlier lead is void: its rows are read like any other.

Modules: ``loop`` (lead, reconcile, publish), ``claims`` (reservations and hand-overs),
``flight`` (a round awaiting acknowledgements), ``outbox`` (the relay's statements).
"""

from escalations_router.relay.loop import RELAY_ERRORS, Relay
from escalations_router.relay.outbox import RELAY_LOCK_KEY, Row

__all__ = ["RELAY_ERRORS", "RELAY_LOCK_KEY", "Relay", "Row"]
