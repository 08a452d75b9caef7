"""Associations: one confirmed assister per consumer, enforced by the database, and the
indexes the client list sorts and filters by. Partial indexes read the same on SQLite
and PostgreSQL; the list's SQL repeats their predicate literally so both planners use them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T03:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "associations: one confirmed per consumer; client-list indexes"

OPEN = "WHERE state <> 'disassociated'"

STATEMENTS = [
    # One assister at a time, whatever the application code does.
    "CREATE UNIQUE INDEX IF NOT EXISTS associations_one_confirmed_per_consumer "
    "ON associations (consumer) WHERE state = 'confirmed'",
    # A consumer asking the same assister twice gets the open association back.
    "CREATE UNIQUE INDEX IF NOT EXISTS associations_one_open_per_pair "
    f"ON associations (consumer, assister) {OPEN}",
    # Client list, default view (requested and confirmed), per sort column.
    "CREATE INDEX IF NOT EXISTS associations_open_by_requested "
    f"ON associations (assister, requested_at, id) {OPEN}",
    "CREATE INDEX IF NOT EXISTS associations_open_by_name "
    f"ON associations (assister, sort_name, id) {OPEN}",
    "CREATE INDEX IF NOT EXISTS associations_open_by_status "
    f"ON associations (assister, client_status, requested_at, id) {OPEN}",
    # Client list filtered to one state, per sort column.
    "CREATE INDEX IF NOT EXISTS associations_state_by_requested "
    "ON associations (assister, state, requested_at, id)",
    "CREATE INDEX IF NOT EXISTS associations_state_by_name "
    "ON associations (assister, state, sort_name, id)",
    "CREATE INDEX IF NOT EXISTS associations_state_by_status "
    "ON associations (assister, state, client_status, requested_at, id)",
    # A consumer's open associations (ended when they confirm another assister).
    "CREATE INDEX IF NOT EXISTS associations_consumer_state ON associations (consumer, state)",
    # Session lookups by the cookie's hash.
    "CREATE UNIQUE INDEX IF NOT EXISTS consumer_sessions_token ON consumer_sessions (token)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
