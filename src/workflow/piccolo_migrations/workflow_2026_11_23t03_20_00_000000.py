"""History is append-only in the database itself, and is read per case in id order."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from workflow.db.sql import append_only_statements

ID = "2026-11-23T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "history: append-only triggers and per-case index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS history_case ON history (machine, entity_id, id)"
        )
        for statement in append_only_statements(engine, "history"):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
