"""Manage API keys: ``python -m escalations_intake.keys create|list|revoke``.

``create`` prints the new key once, on stdout; only its SHA-256 is stored. Keys are
revoked by id or by the prefix ``list`` shows; a revoked key stops working within the
intake's key cache time (``INTAKE_KEY_CACHE_SECONDS``, default 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.audit.store import append_now, cli_actor
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.db.models import ApiKeyRow
from escalations.settings import DatabaseSettings
from escalations_intake.auth.api_keys import Scope, new_key, store_key

SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


async def list_keys(sessions: async_sessionmaker[AsyncSession]) -> list[ApiKeyRow]:
    """Return every key (hashes only), oldest first."""
    async with sessions() as session:
        rows = await session.exec(select(ApiKeyRow).order_by(col(ApiKeyRow.created_at)))
        return list(rows.all())


async def revoke_key(sessions: async_sessionmaker[AsyncSession], ident: str) -> int:
    """Revoke the active key with this id or key prefix; return how many were revoked."""
    stmt = (
        update(ApiKeyRow)
        .where(or_(col(ApiKeyRow.id) == ident, col(ApiKeyRow.key_prefix) == ident))
        .where(col(ApiKeyRow.revoked_at).is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    async with sessions() as session:
        result = await session.exec(stmt)
        await session.commit()
        return int(result.rowcount or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m escalations_intake.keys", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--source", required=True, help="source name, e.g. legal or alertmanager")
    create.add_argument("--kind", required=True, choices=[k.value for k in SourceKind])
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=[s.value for s in Scope],
        help="repeat for several scopes",
    )
    create.add_argument("--description", default=None)
    commands.add_parser("list", help="list keys (prefix, source, kind, scopes, state)")
    revoke = commands.add_parser("revoke", help="revoke a key by id or prefix")
    revoke.add_argument("key", help="the id or the prefix shown by `list`")
    return parser


async def _run(args: argparse.Namespace, database_url: str) -> int:
    engine = make_engine(database_url, pool_size=1)
    sessions = make_sessions(engine)
    try:
        if args.command == "create":
            return await _create(engine, args)
        if args.command == "list":
            for row in await list_keys(sessions):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                scopes = ",".join(row.scopes)
                fields = (row.id, row.key_prefix, row.source, row.source_kind, scopes, state)
                print("  ".join(fields))
            return 0
        if await revoke_key(sessions, args.key) == 0:
            print(f"no active key with id or prefix {args.key!r}", file=sys.stderr)
            return 1
        await _audit(engine, "key.revoke", args.key, {})
        print(f"revoked {args.key}")
        return 0
    finally:
        await engine.dispose()


async def _create(engine: AsyncEngine, args: argparse.Namespace) -> int:
    if not SOURCE.match(args.source):
        print(
            f"--source: {args.source!r} must be lower-case letters, digits, '_', '.' or '-'",
            file=sys.stderr,
        )
        return 2
    key = new_key()
    scopes = frozenset(Scope(s) for s in args.scope)
    await store_key(
        make_sessions(engine),
        key,
        source=args.source,
        source_kind=SourceKind(args.kind),
        scopes=scopes,
        description=args.description,
    )
    print(key)
    print("store this key now: it is shown only once", file=sys.stderr)
    detail = {"source": args.source, "kind": args.kind, "scopes": sorted(s.value for s in scopes)}
    await _audit(engine, "key.create", key[:12], detail)
    return 0


async def _audit(engine: AsyncEngine, action: str, key: str, detail: dict[str, object]) -> None:
    """Append the change to the audit log, as the operator running this command."""
    await append_now(
        engine,
        actor=cli_actor(),
        action=action,
        subject_kind="key",
        subject_id=key,
        detail=detail,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the key command line."""
    args = _parser().parse_args(argv)
    try:
        database_url = DatabaseSettings().database_url
    except ValidationError as exc:
        print(f"invalid DATABASE_URL: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, database_url))


if __name__ == "__main__":
    sys.exit(main())
