"""The public directory: the indexes its searches use, and the coordinates of the
assisters whose address was saved before coordinates were kept (their ZIP code's
centroid, from the shipped ZIP data)."""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from workflow.core.zips import centroid

ID = "2026-11-29T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "directory: search indexes; coordinates of existing addresses"

LISTED = "WHERE state = 'active' AND directory_display <> 'not_listed'"
INDEXES = [
    # Search by ZIP code: the bounding box on the listed, active assisters.
    f"CREATE INDEX IF NOT EXISTS assisters_directory_position ON assisters (latitude, longitude) "
    f"{LISTED}",
    # Search by state, listed by name.
    f"CREATE INDEX IF NOT EXISTS assisters_directory_state ON assisters (address_state, name) "
    f"{LISTED}",
]


async def backfill() -> None:
    engine = engine_finder()
    rows = await engine.run_querystring(
        QueryString("SELECT id, address_zip FROM assisters WHERE address_zip IS NOT NULL")
    )
    for row in rows or []:
        found = centroid(row["address_zip"])
        if found is not None:
            await engine.run_querystring(
                QueryString(
                    "UPDATE assisters SET latitude = {}, longitude = {} WHERE id = {}",
                    found.latitude,
                    found.longitude,
                    row["id"],
                )
            )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)
        await backfill()

    manager.add_raw(run)
    return manager
