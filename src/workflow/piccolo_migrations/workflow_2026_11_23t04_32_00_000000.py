"""The audit log is append-only in the database; login attempts are counted per user."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from workflow.db.sql import append_only_statements

ID = "2026-11-23T04:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_log append-only; login attempt indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in append_only_statements(engine, "audit_log"):
            await engine.run_ddl(statement)
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS login_attempts_user ON login_attempts (user_id, at)"
        )
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS audit_log_object ON audit_log (object_type, object_id)"
        )

    manager.add_raw(run)
    return manager
