"""Demo directory settings: Spanish for some of the demo assisters with an address, and
the active brokers with an address taking Help On Demand referrals, so the find-help
page and a referral have someone to show."""

from __future__ import annotations

from workflow.core.principal import Principal
from workflow.db.raw import raw
from workflow.directory.listing import set_listing

SPEAK_SPANISH = frozenset({"Ana Torres", "Hugo Alvarez", "Ben Okafor", "María José Núñez"})
LISTED = """
SELECT id, name, kind FROM assisters
WHERE state = 'active' AND address_zip IS NOT NULL ORDER BY id
"""


async def load_demo_directory(actor: Principal) -> int:
    rows = await raw(LISTED)
    for row in rows:
        languages = ["en", "es"] if row["name"] in SPEAK_SPANISH else ["en"]
        await set_listing(row["id"], actor, languages=languages, accepting_new_clients=True,
                          accepts_referrals=row["kind"] == "broker")  # fmt: skip
    return len(rows)
