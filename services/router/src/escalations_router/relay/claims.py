"""Rows a batch claimed for the relay: reserved before its commit, handed over after it.

A batch of the leading router reserves the rows about the escalations it has just created
(ids and keys) after its write statement and before its commit, hands them over once
committed, or releases them if the commit failed. Reads leave out reserved ids, so no read
publishes them a second time, and reserved keys, so no later row about the same escalation
overtakes them; handed rows go to the producer before the next read.
"""

from __future__ import annotations

from escalations_router.relay.flight import Flight
from escalations_router.relay.outbox import Row


class Claims:
    """Reservations by token (never reused), and rows handed over, not yet sent."""

    def __init__(self) -> None:
        self._tokens = 0
        self._reserved: dict[int, tuple[list[int], set[str]]] = {}
        self.handed: list[Row] = []

    def reserve(self, rows: list[Row]) -> int:
        """Reserve rows a transaction is about to commit; return the token."""
        self._tokens += 1
        self._reserved[self._tokens] = ([row[0] for row in rows], {row[3] for row in rows})
        return self._tokens

    def hand_over(self, token: int, rows: list[Row]) -> bool:
        """Take the rows reserved under ``token`` to send; False if the token is void."""
        if self._reserved.pop(token, None) is None:
            return False  # reserved under an earlier lead: a read finds them
        self.handed.extend(rows)
        return True

    def release(self, token: int) -> bool:
        """Drop a reservation (its transaction failed); return whether it was still held."""
        return self._reserved.pop(token, None) is not None

    def take(self) -> list[Row]:
        """Return the rows handed over, now going to the producer."""
        rows, self.handed = self.handed, []
        return rows

    def clear(self) -> None:
        """Void every reservation and hand-over: from here on, only a read publishes them."""
        self._reserved.clear()
        self.handed.clear()

    def unclaimed(self, rows: list[Row]) -> list[Row]:
        """Return the rows a read found that no batch has reserved or handed over since.

        A read leaves out what was reserved when it was sent, but Postgres may take its
        snapshot later, after a batch reserved and committed more rows: those come by
        hand-over, and rows with their keys wait for a later read (they may not overtake).
        """
        ids, keys = self.claimed()
        if not ids:
            return rows
        return [row for row in rows if row[0] not in ids and row[3] not in keys]

    def skipped(self, flights: list[Flight]) -> tuple[list[int], list[str]]:
        """Return the ids and keys a read must leave out: in flight, reserved or handed."""
        ids, keys = self.claimed()
        return [*ids, *(i for flight in flights for i in flight.ids)], sorted(keys)

    def claimed(self) -> tuple[set[int], set[str]]:
        """Return the ids and keys of rows reserved or handed over, not yet sent."""
        ids = {row[0] for row in self.handed}
        keys = {row[3] for row in self.handed}
        for reserved_ids, reserved_keys in self._reserved.values():
            ids.update(reserved_ids)
            keys |= reserved_keys
        return ids, keys
