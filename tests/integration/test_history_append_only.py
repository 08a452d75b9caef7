"""The database itself refuses to change or remove history rows."""

import pytest

from tests.helpers import new_assister
from workflow.tables import History


async def test_history_rows_cannot_be_updated_or_deleted(client, admin, db):
    a = await new_assister(client, admin)
    before = await History.select().where(History.entity_id == a["id"])
    assert len(before) == 1
    with pytest.raises(Exception, match="append-only"):
        await History.update({History.actor: "mallory"}).where(History.entity_id == a["id"])
    with pytest.raises(Exception, match="append-only"):
        await History.delete().where(History.entity_id == a["id"])
    if not db.is_sqlite:  # SQLite has no TRUNCATE
        with pytest.raises(Exception, match="append-only"):
            await History.raw("TRUNCATE history")
    after = await History.select().where(History.entity_id == a["id"])
    assert after == before
