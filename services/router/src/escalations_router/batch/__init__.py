"""Apply one fetched batch in one unit of work (a Postgres transaction).

The flow, one module each: ``decode`` the records (poison goes to ``dead_letters``), lock
and load what the batch touches and ``apply`` its events (``processor``), ``fire`` the
clocks they move, then ``write`` and commit, handing the new events to the relay.
``overlap``: the next batch is applied while this one commits, when the two share nothing
but people's load. ``unit_of_work``: what the batch asks of storage (Postgres implements
it in ``postgres.unit_of_work``; unit tests use a fake).
"""

from escalations_router.batch.apply import COMMANDS, Batch
from escalations_router.batch.dead_letters import dead_letter
from escalations_router.batch.decode import Parsed, Record, Touched, dead_letter_id
from escalations_router.batch.overlap import Staged
from escalations_router.batch.processor import Batches, BatchProcessor
from escalations_router.batch.unit_of_work import Begin, UnitOfWork
from escalations_router.batch.write import Outbox

__all__ = [
    "COMMANDS",
    "Batch",
    "BatchProcessor",
    "Batches",
    "Begin",
    "Outbox",
    "Parsed",
    "Record",
    "Staged",
    "Touched",
    "UnitOfWork",
    "dead_letter",
    "dead_letter_id",
]
