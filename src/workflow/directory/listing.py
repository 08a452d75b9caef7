"""What an assister tells the directory besides their profile: the languages they help
in, whether they take new clients, and (brokers) whether Help On Demand may offer them
referrals. Staff and the assister themselves read and change it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import BadInput, GuardRefused, NotFound
from workflow.core.principal import Principal
from workflow.db.raw import raw
from workflow.directory.search import LANGUAGE

READ = """
SELECT a.id AS assister_id, a.kind, a.language,
       COALESCE(l.languages, ' ' || a.language || ' ') AS languages,
       COALESCE(l.accepting_new_clients, TRUE) AS accepting_new_clients,
       COALESCE(l.accepts_referrals, FALSE) AS accepts_referrals
FROM assisters a LEFT JOIN directory_listings l ON l.assister = a.id
WHERE a.id = {}
"""
UPSERT = """
INSERT INTO directory_listings (assister, languages, accepting_new_clients, accepts_referrals,
                                updated_at)
VALUES ({}, {}, {}, {}, {})
ON CONFLICT (assister) DO UPDATE SET languages = excluded.languages,
    accepting_new_clients = excluded.accepting_new_clients,
    accepts_referrals = excluded.accepts_referrals, updated_at = excluded.updated_at
"""


def _may_see(actor: Principal, assister_id: int) -> None:
    if not (actor.is_staff or actor.assister_id == assister_id):
        raise NotFound(f"assister {assister_id} not found")


async def get_listing(assister_id: int, actor: Principal) -> dict[str, Any]:
    _may_see(actor, assister_id)
    rows = await raw(READ, assister_id)
    if not rows:
        raise NotFound(f"assister {assister_id} not found")
    row = rows[0]
    return {
        "assister_id": assister_id,
        "languages": row["languages"].split(),
        "accepting_new_clients": bool(row["accepting_new_clients"]),
        "accepts_referrals": bool(row["accepts_referrals"]),
    }


def _languages(values: Sequence[str]) -> str:
    codes = [v.strip().lower() for v in values]
    wrong = [v for v in codes if not LANGUAGE.match(v)]
    if wrong or not codes:
        raise BadInput("languages: give one or more language codes of two letters, e.g. "
                       '["en", "es"]', "languages")  # fmt: skip
    return " " + " ".join(dict.fromkeys(codes)) + " "


async def set_listing(
    assister_id: int,
    actor: Principal,
    *,
    languages: Sequence[str],
    accepting_new_clients: bool,
    accepts_referrals: bool,
) -> dict[str, Any]:
    """Replace the assister's directory settings; only brokers take referrals."""
    current = await get_listing(assister_id, actor)
    kind = (await raw("SELECT kind FROM assisters WHERE id = {}", assister_id))[0]["kind"]
    if accepts_referrals and kind != "broker":
        raise GuardRefused("directory", "only agents and brokers take Help On Demand referrals; "
                           "leave accepts_referrals false")  # fmt: skip
    await raw(UPSERT, assister_id, _languages(languages), accepting_new_clients,
              accepts_referrals, datetime.now(UTC))  # fmt: skip
    return {**current, **await get_listing(assister_id, actor)}
