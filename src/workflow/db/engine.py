"""Choosing the engine from ``WORKFLOW_DATABASE_URL`` and switching every table to it."""

from __future__ import annotations

import importlib
from urllib.parse import urlparse

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from workflow.core.settings import get_settings
from workflow.db.sqlite_pool import PooledSQLiteEngine

SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_POOL_SIZE = 20


class UnsupportedDatabaseUrl(ValueError):
    pass


def engine_from_url(url: str) -> Engine:
    """``sqlite:///relative.sqlite``, ``sqlite:////absolute.sqlite`` or
    ``postgresql://user@host:port/dbname``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
        if not path:
            raise UnsupportedDatabaseUrl(f"no file in {url!r}: try sqlite:///workflow.sqlite")
        return PooledSQLiteEngine(
            path=path,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
            synchronous=get_settings().sqlite_synchronous,
        )
    if parsed.scheme in {"postgresql", "postgres"}:
        database = parsed.path.lstrip("/") or "postgres"
        return PostgresEngine(config={"dsn": url, "database": database})
    raise UnsupportedDatabaseUrl(
        f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://user@host:port/db"
    )


def _conf():
    return importlib.import_module("workflow.piccolo_conf")


def current_engine() -> Engine:
    return _conf().DB


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or current_engine(), SQLiteEngine)


def all_tables() -> list[type[Table]]:
    """Every table of every registered app, plus piccolo's own migration table."""
    registry = _conf().APP_REGISTRY
    tables: list[type[Table]] = [Migration]
    for app in registry.app_configs.values():
        tables.extend(app.table_classes)
    return tables


def use_engine(engine: Engine) -> None:
    """Point piccolo's configuration and every table at ``engine`` (tests use it to run
    the same suite on SQLite and on PostgreSQL in one process)."""
    _conf().DB = engine
    for table in all_tables():
        table._meta.db = engine
        # Subclasses declared elsewhere (e.g. the admin's StaffUser over piccolo_user)
        # keep their own metadata: point them at the engine too.
        for subclass in table.__subclasses__():
            subclass._meta.db = engine


def transaction():
    """A write transaction. On SQLite it is IMMEDIATE so concurrent writers queue for
    the lock up front instead of failing half-way with 'database is locked'."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def ilike(column, pattern: str):
    """Case-insensitive LIKE on both engines (SQLite's LIKE already ignores ASCII case)."""
    return column.like(pattern) if is_sqlite(column._meta.table._meta.db) else column.ilike(pattern)


async def connect(engine: Engine | None = None) -> None:
    engine = engine or current_engine()
    if isinstance(engine, PostgresEngine):
        if engine.pool is None:
            await engine.start_connection_pool(
                min_size=1, max_size=POSTGRES_POOL_SIZE, reset=_keep_session
            )
    else:
        # WAL lets readers work while one writer commits; it is a property of the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def _keep_session(connection) -> None:
    """asyncpg runs ``RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all()`` on
    every connection handed back to the pool, a round trip per query. Nothing here sets
    session state on a pooled connection (transactions use ``SET LOCAL``; the run lock
    holds its advisory lock on a connection of its own), so there is nothing to reset;
    an open transaction is still rolled back by asyncpg itself."""


async def disconnect(engine: Engine | None = None) -> None:
    engine = engine or current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()
