"""Every broker onboarded before NPN validation existed gets their validation case
(``not_checked``, like their ``npn_status``) and its creation history row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T03:50:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "npn_validations: one case per existing broker"

BACKFILL_CASES = """
INSERT INTO npn_validations (assister, state, version, attempts, created_at, updated_at)
SELECT a.id, 'not_checked', 1, 0, a.created_at, a.created_at
FROM assisters a
WHERE a.kind = 'broker'
  AND NOT EXISTS (SELECT 1 FROM npn_validations v WHERE v.assister = a.id)
"""

BACKFILL_HISTORY = """
INSERT INTO history (machine, entity_id, event, from_state, to_state, actor, data, at)
SELECT 'npn_validation', v.id, 'create', '', v.state, 'migration', '{}', v.created_at
FROM npn_validations v
WHERE NOT EXISTS (
    SELECT 1 FROM history h WHERE h.machine = 'npn_validation' AND h.entity_id = v.id
)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(BACKFILL_CASES)
        await engine.run_ddl(BACKFILL_HISTORY)

    manager.add_raw(run)
    return manager
