"""Piccolo's SQLite engine with its connections kept open between queries.

Piccolo's ``SQLiteEngine`` opens a new aiosqlite connection (a new thread and a new
file handle) for every query outside a transaction, and runs ``PRAGMA foreign_keys``
before every query inside one. Measured here: 1.65 ms per query against 0.25 ms on an
open connection. This engine keeps idle connections, sets their pragmas once, and hands
them to queries and transactions in turn.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)

SYNCHRONOUS_LEVELS = ("NORMAL", "FULL", "EXTRA")
# Commits written on the loop's thread between two checkpoints of the WAL (about 20
# pages each: a checkpoint then copies some 20 MB at most).
CHECKPOINT_EVERY = 250


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction whose ``BEGIN`` rides with its first statement, in the same trip to
    the connection's thread (and whose ``COMMIT`` may ride with its last: see
    ``workflow.db.raw.finish_in_one_hop``). Each trip costs more CPU than SQLite spends
    on a small statement."""

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is None and self.transaction_type != TransactionType.deferred:
            # SQLite allows one writer. Queue writers here, first come first served,
            # instead of in SQLite's busy handler, which sleeps up to 100 ms per retry.
            await self.engine.write_lock.acquire()
            try:
                return await super().__aenter__()
            except BaseException:
                self.engine.write_lock.release()
                raise
        return await super().__aenter__()

    async def begin(self) -> None:
        self.pending_begin = f"BEGIN {self.transaction_type.value}"
        connection = self.connection
        send = connection._execute

        async def begin_first(fn, *args, **kwargs):
            if self.pending_begin is None:
                return await send(fn, *args, **kwargs)
            statement, self.pending_begin = self.pending_begin, None
            return await send(_after, connection._conn, statement, fn, args, kwargs)

        connection._execute = begin_first  # every statement on it, piccolo's and ours

    async def commit(self) -> None:
        if self.pending_begin is None:  # nothing ran: nothing to commit
            await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        if self.pending_begin is None and self.connection.in_transaction:
            await self.connection.execute("ROLLBACK")
        self._rolled_back = True

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.connection.__dict__.pop("_execute", None)
            await self.engine.release(self.connection)
            self.engine.current_transaction.reset(self.context)
            if self.transaction_type != TransactionType.deferred:
                self.engine.write_lock.release()
        return exception is None


def _after(conn, statement: str, fn, args, kwargs):
    """On the connection's thread: ``BEGIN``, then the statement that was waiting."""
    conn.execute(statement)
    return fn(*args, **kwargs)


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(
        self, path: str, max_idle: int = 8, synchronous: str = "NORMAL", **connection_kwargs: Any
    ):
        super().__init__(path=path, **connection_kwargs)
        if synchronous not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}")
        self.synchronous = synchronous
        self.max_idle = max_idle
        self._idle: list[aiosqlite.Connection] = []
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._commits = 0
        self._checkpoint: asyncio.Task | None = None
        self.write_lock = asyncio.Lock()

    async def _open(self) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A forgotten idle connection must not keep the interpreter from exiting.
        thread = getattr(connection, "_thread", None)
        if thread is not None:
            thread.daemon = True
        try:
            connection = await connection
        except Exception:
            # aiosqlite stops the connection's thread without waiting for it: let it end
            # while the loop runs, or at exit it reports to a closed loop, a traceback
            # printed after the real error.
            await asyncio.to_thread(connection._thread.join, 5)
            raise
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        # In WAL mode, NORMAL syncs at checkpoints rather than on every commit: a crash of
        # the process loses nothing and the file never corrupts; only a power cut can undo
        # the last commits (SQLite's recommended setting for WAL). FULL would fsync each
        # event. WORKFLOW_SQLITE_SYNCHRONOUS=FULL is the stricter choice.
        await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    def read_now(self, query: str, args) -> list[dict[str, Any]]:
        """A small read on this thread, no trip to a worker thread: in WAL mode a reader
        never waits for a writer, and a read by key takes SQLite tens of microseconds,
        less than the trip would. Only outside a transaction (a transaction's reads go
        to its own connection, to see its own writes)."""
        if self._reader is None:
            self._reader = self._open_now()
        return self._reader.execute(query, args).fetchall()

    def write_now(self, fn, *args):
        """(True, ``fn(connection, *args)``) run at once on this thread when the database
        is free to write; (False, None) when another process holds it (the caller then
        waits for it on a worker thread, as for any long wait). For one event's writes,
        under ``write_lock``: a trip to a worker thread costs more CPU than they do.

        This connection never checkpoints the WAL itself: every ``CHECKPOINT_EVERY``
        commits a worker thread does (a checkpoint copies megabytes; doing it here would
        stall every request for that long)."""
        if self._writer is None:
            self._writer = self._open_now(timeout=0)
            self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            result = fn(self._writer, *args)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False, None
            raise
        self._commits += 1
        if self._commits >= CHECKPOINT_EVERY and self._checkpoint is None:
            self._commits = 0
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_wal())
        return True, result

    def _open_now(self, **overrides) -> sqlite3.Connection:
        connection = sqlite3.connect(**{**self.connection_kwargs, **overrides},
                                     check_same_thread=False)  # fmt: skip
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    async def _checkpoint_wal(self) -> None:
        try:
            connection = await self.get_connection()
            try:
                await connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                await self.release(connection)
        finally:
            self._checkpoint = None

    async def get_connection(self) -> aiosqlite.Connection:
        return self._idle.pop() if self._idle else await self._open()

    async def release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction or len(self._idle) >= self.max_idle:
            await connection.close()
        else:
            self._idle.append(connection)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        for attribute in ("_reader", "_writer"):
            connection = getattr(self, attribute)
            if connection is not None:
                connection.close()
                setattr(self, attribute, None)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def _run_in_new_connection(
        self, query: str, args=None, query_type: str = "generic", table=None
    ):
        connection = await self.get_connection()
        try:
            return await connection.execute_fetchall(query, args or [])
        finally:
            await self.release(connection)

    async def _run_in_existing_connection(
        self, connection, query: str, args=None, query_type: str = "generic", table=None
    ):
        # One hop to the connection's thread instead of three (execute, fetch, close).
        return await connection.execute_fetchall(query, args or [])
