"""The outbox counts refusals apart from tries: only refusals make a message fail."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "messages.refusals"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Message",
        tablename="messages",
        column_name="refusals",
        db_column_name="refusals",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
