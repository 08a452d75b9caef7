"""Ids in paths: a number no row can have is an unknown thing (404), not a database error.

Rows have positive 32-bit ids on PostgreSQL (64-bit on SQLite); both refuse larger integers, so
without this check ``/assisters/99999999999999999999`` would reach the driver and fail."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

# PostgreSQL ids here are 32-bit (serial): the smaller of the two engines' limits.
MAX_ID = 2**31 - 1


async def ids_in_range(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: every integer path parameter is a possible row id."""
    for name, value in connection.path_params.items():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            thing = name.removesuffix("_id").replace("_", " ") or "record"
            raise NotFoundException(
                f"no {thing} has id {value}: ids are whole numbers from 1 to {MAX_ID}"
            )
