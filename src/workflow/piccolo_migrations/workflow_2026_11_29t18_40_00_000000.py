"""An index on assisters' e-mail ignoring case: the training import finds people by it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "assisters (lower(email)) index for the training import"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS assisters_email_lower ON assisters (lower(email))"
        )

    manager.add_raw(run)
    return manager
