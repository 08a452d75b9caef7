"""Help On Demand: the indexes the offer sweep, the broker match and the staff queue use."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T17:47:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "referrals: indexes for expiry, matching and the staff queue"

INDEXES = [
    # Offers whose time is up (the sweep), and each broker's open offers (the match).
    "CREATE INDEX IF NOT EXISTS referrals_offered_until ON referrals (offer_expires_at) "
    "WHERE state = 'offered'",
    "CREATE INDEX IF NOT EXISTS referrals_offered_broker ON referrals (broker) "
    "WHERE state = 'offered'",
    # The staff queue and lists by state, oldest first.
    "CREATE INDEX IF NOT EXISTS referrals_state ON referrals (state, created_at)",
    # A referral's offers, and the brokers it was offered to already.
    "CREATE INDEX IF NOT EXISTS referral_offers_referral ON referral_offers (referral, broker)",
    # A broker's own open offers and referrals.
    "CREATE INDEX IF NOT EXISTS referrals_broker ON referrals (broker, created_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
