from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-11-29T17:36:41:667933"
VERSION = "1.38.0"
DESCRIPTION = "associations.end_message (what the consumer is told; end_reason stays internal); the metrics role; login attempts by client address (the sign-in limit counted in the database)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="workflow", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Association",
        tablename="associations",
        column_name="end_message",
        db_column_name="end_message",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": None,
            "null": True,
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

    manager.alter_column(
        table_class_name="Account",
        tablename="accounts",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "support": "support",
                    "agency_admin": "agency_admin",
                    "assister": "assister",
                    "consumer": "consumer",
                    "metrics": "metrics",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "support": "support",
                    "agency_admin": "agency_admin",
                    "assister": "assister",
                    "consumer": "consumer",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    async def attempts_by_source():
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS login_attempts_source ON login_attempts (source, at)"
        )

    manager.add_raw(attempts_by_source)

    return manager
