"""Backfill onboarding dates; indexes for the sweep, the outbox and reminders."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-23T03:42:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "onboarded_on backfill; training, outbox and reminder indexes"

STATEMENTS = [
    # The sweep asks "certified for this training year?" per assister.
    "CREATE INDEX IF NOT EXISTS training_records_year ON training_records "
    "(assister, training_year, kind, passed)",
    # The outbox worker scans pending messages by due time.
    "CREATE INDEX IF NOT EXISTS messages_outbox ON messages (delivery, next_attempt_at)",
    # A reminder (or any message with a key) is written at most once per assister.
    "CREATE UNIQUE INDEX IF NOT EXISTS messages_once ON messages (assister, dedupe_key) "
    "WHERE dedupe_key IS NOT NULL",
    # The sweep looks for lapse candidates by state and onboarding date.
    "CREATE INDEX IF NOT EXISTS assisters_state_onboarded ON assisters (state, onboarded_on)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            backfill = "UPDATE assisters SET onboarded_on = substr(created_at, 1, 10)"
        else:
            backfill = "UPDATE assisters SET onboarded_on = (created_at AT TIME ZONE 'UTC')::date"
        await engine.run_ddl(backfill + " WHERE onboarded_on IS NULL")
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
