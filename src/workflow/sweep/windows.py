"""How a rule walks a large table: in windows of ids.

A window is an id range ``[low, high)`` of the table's primary key holding about one
batch of the rule's candidates. The bounds come from one query over the candidates'
ids (the cheap part of the rule's filter, which an index answers); each batch then
reads its own range by primary key and applies the whole filter there. Every row is
read once per walk, however many batches there are: the walk is linear in the table,
where ``ORDER BY id LIMIT n`` over a filter re-reads the filter's matches every batch.
Gaps in the ids cost nothing (the bounds are candidates' ids), and the last window is
open, so cases added meanwhile are still seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflow.db.raw import raw

Window = tuple[int, int | None]

BOUNDS = """
SELECT id FROM (
    SELECT a.id, row_number() OVER (ORDER BY a.id) AS n FROM "{table}" AS a WHERE {where}
) AS c WHERE (c.n - 1) % {size} = 0 ORDER BY id
"""


async def windows(table: str, where: str, args: Sequence[Any], size: int) -> list[Window]:
    """The windows of ``table`` (alias ``a`` in ``where``, with ``{}`` placeholders for
    ``args``) holding at most ``size`` of the rows ``where`` matches each."""
    sql = BOUNDS.format(table=table, where=where, size=int(size))
    lows = [r["id"] for r in await raw(sql, *args)]
    return list(zip(lows, [*lows[1:], None], strict=True)) if lows else []


def within(window: Window) -> tuple[str, tuple[Any, ...]]:
    """SQL for ``a.id`` in the window, and its args."""
    low, high = window
    if high is None:
        return "a.id >= {}", (low,)
    return "a.id >= {} AND a.id < {}", (low, high)
