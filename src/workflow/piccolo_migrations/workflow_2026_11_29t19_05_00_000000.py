"""An index on portal logins' e-mail ignoring case: the forgotten password and username
forms find logins by it (assisters' addresses have theirs, assisters_email_lower). Raw
DDL: piccolo's auto migrations cannot declare an index on an expression, so
``make migration`` finds nothing to do."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T19:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "piccolo_user (lower(email)) index for the portal's recovery forms"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS piccolo_user_email_lower ON piccolo_user (lower(email))"
        )

    manager.add_raw(run)
    return manager
