"""The directory's ZIP-code search picks its page from one index: latitude and longitude
first (the bounding box), then every column the filters read, so the page is chosen
without visiting the table; it replaces the narrower position index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:05:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "directory: covering index for the ZIP-code search"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS assisters_directory_near ON assisters "
    "(latitude, longitude, directory_display, address_state, kind, organization, language) "
    "WHERE state = 'active' AND directory_display <> 'not_listed'",
    "DROP INDEX IF EXISTS assisters_directory_position",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
