"""What the intake reads from Postgres (escalations, schedules, feeds) and the little it writes.

The router is the single writer of escalations and schedules; the intake writes only its
own tables: idempotency keys, calendar feeds and API keys.
"""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

Sessions = async_sessionmaker[AsyncSession]
