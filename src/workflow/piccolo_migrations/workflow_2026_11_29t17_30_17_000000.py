"""Portal sessions are looked up by the cookie's hash, and ended per user (sign-out
everywhere after a password reset or an MFA reset)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T17:30:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "portal sessions: unique index on the token's hash, index on the user"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS portal_sessions_token ON portal_sessions (token)",
    "CREATE INDEX IF NOT EXISTS portal_sessions_user ON portal_sessions (user_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
