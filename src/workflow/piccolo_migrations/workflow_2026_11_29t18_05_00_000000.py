"""The refused attempts on one case, which the staff case page reads from the audit log.
A partial index: only refused events are indexed, so the applied events every state
change writes to the audit log cost nothing more. The query repeats its predicate
literally (``engine/history.py``) so both planners use it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_log: partial index of refused events by case"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS audit_log_refused_events "
    "ON audit_log (object_type, object_id, id) "
    "WHERE action = 'event' AND outcome = 'refused'",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
