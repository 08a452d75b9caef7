"""What every command shares: run one job with the database connected, and show a
refusal as one line (exit status 2) rather than a traceback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from workflow.core.errors import MachineError
from workflow.db import connect, disconnect


def run_job(job: Callable[[], Awaitable[int | None]]) -> int:
    async def wrapped() -> int | None:
        await connect()
        try:
            return await job()
        finally:
            await disconnect()

    try:
        return asyncio.run(wrapped()) or 0
    except MachineError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
