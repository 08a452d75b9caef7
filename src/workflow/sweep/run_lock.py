"""One runner at a time for jobs like the sweep, across processes.

PostgreSQL: a session-level advisory lock on a dedicated connection. SQLite: an ``flock``
on a file beside the database. Both are released by the operating system or the server
if the process is killed, so a killed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from workflow.core.errors import Conflict
from workflow.db import current_engine, is_sqlite


class AlreadyRunning(Conflict):
    pass


@asynccontextmanager
async def exclusive(job: str) -> AsyncIterator[None]:
    engine = current_engine()
    if is_sqlite(engine):
        async with _file_lock(f"{engine.path}.{job}.lock", job):
            yield
    else:
        async with _advisory_lock(engine, job):
            yield


@asynccontextmanager
async def _file_lock(path: str, job: str) -> AsyncIterator[None]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another {job} is running on this database; try later") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@asynccontextmanager
async def _advisory_lock(engine, job: str) -> AsyncIterator[None]:
    key = zlib.crc32(f"workflow:{job}".encode())
    connection = await engine.get_new_connection()
    try:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", key):
            raise AlreadyRunning(f"another {job} is running on this database; try later")
        try:
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", key)
    finally:
        await connection.close()
