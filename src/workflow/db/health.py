"""Whether the database can take this service's work now: it answers, a write
transaction can begin, there is room to write, and every migration has been applied.
And which database errors mean "unavailable" (503, retry later) rather than a bug."""

from __future__ import annotations

import os
import sqlite3
from functools import cache
from pathlib import Path

from asyncpg import exceptions as pg
from piccolo.apps.migrations.commands.base import BaseMigrationManager

from workflow.db.engine import current_engine, is_sqlite, transaction
from workflow.db.raw import atomically, raw

# Below this much free space a SQLite database is about to refuse writes.
MIN_FREE_BYTES = 1024 * 1024

# SQLite's words for a database that cannot take writes now (not a bug in a statement).
_SQLITE_UNAVAILABLE = (
    "database or disk is full",
    "disk i/o error",
    "readonly database",
    "unable to open database file",
    "database is locked",
)
# PostgreSQL refusing work for a while: shutting down, starting up, in recovery, out of
# connections or resources.
_PG_UNAVAILABLE = (
    pg.PostgresConnectionError,
    pg.InterfaceError,
    pg.CannotConnectNowError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    pg.InsufficientResourcesError,
    pg.ReadOnlySQLTransactionError,
)


def is_unavailable(exc: BaseException) -> bool:
    """A database that cannot be reached or cannot write now: the request may succeed
    if tried again later (503), unlike a statement the database refused (a bug: 500)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (*_PG_UNAVAILABLE, ConnectionError, TimeoutError)):
            return True
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            return True
        if isinstance(exc, sqlite3.OperationalError) and any(
            words in str(exc).lower() for words in _SQLITE_UNAVAILABLE
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every (app, migration id) checked in, read from the migration folders once."""
    manager = BaseMigrationManager()
    expected = set()
    for module in manager.get_app_modules():
        config = module.APP_CONFIG
        found = manager.get_migration_modules(config.resolved_migrations_folder_path)
        expected |= {(config.app_name, i) for i in manager.get_migration_ids(found)}
    return frozenset(expected)


async def pending_migrations() -> list[str]:
    rows = await raw("SELECT app_name, name FROM migration")
    applied = {(r["app_name"], r["name"]) for r in rows}
    return sorted(f"{app}:{name}" for app, name in expected_migrations() - applied)


async def write_problem() -> str | None:
    """Why a write transaction cannot begin now, or ``None``."""
    engine = current_engine()
    if not is_sqlite(engine):
        async with transaction():
            [row] = await raw(
                "SELECT pg_is_in_recovery() AS standby, "
                "current_setting('transaction_read_only') AS read_only"
            )
        if row["standby"] or row["read_only"] == "on":
            return "the PostgreSQL server is read-only (a standby, or in recovery)"
        return None
    place = place_problem()
    if place:
        return place
    await atomically(lambda conn: False)  # BEGIN IMMEDIATE, then ROLLBACK
    return None


def place_problem() -> str | None:
    """SQLite: why its folder cannot take writes (read-only, or a full disk), asked of
    the file system without the database. ``None`` for PostgreSQL, or when all is well."""
    engine = current_engine()
    if not is_sqlite(engine):
        return None
    folder = Path(engine.path).resolve().parent
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is read-only"
    stats = os.statvfs(folder)
    if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES:
        return f"the disk holding {folder} is full"
    return None
