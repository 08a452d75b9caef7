"""Choosing the broker a referral is offered to next: an active broker who takes
referrals, within ``WORKFLOW_REFERRAL_RADIUS_MILES`` of the consumer's ZIP code, not
offered this referral before; those who speak the consumer's language first, then the
nearest, then those with the fewest open offers (brokers in one ZIP code are equally
near)."""

from __future__ import annotations

import math
from typing import Any

from workflow.core.settings import get_settings
from workflow.core.zips import MILES_PER_DEGREE_LATITUDE, box, centroid
from workflow.db.raw import raw

DISTANCE_SQ = (
    "((a.latitude - {}) * (a.latitude - {}) + (a.longitude - {}) * {} * (a.longitude - {}) * {})"
)
BEST = f"""
SELECT a.id, a.name FROM assisters a JOIN directory_listings l ON l.assister = a.id
WHERE a.state = 'active' AND a.kind = 'broker' AND l.accepts_referrals = TRUE
  AND a.latitude BETWEEN {{}} AND {{}} AND a.longitude BETWEEN {{}} AND {{}}
  AND {DISTANCE_SQ} <= {{}}
  AND NOT EXISTS (SELECT 1 FROM referral_offers o WHERE o.referral = {{}} AND o.broker = a.id)
ORDER BY CASE WHEN l.languages LIKE {{}} THEN 0 ELSE 1 END, {DISTANCE_SQ},
         (SELECT count(*) FROM referrals r WHERE r.broker = a.id AND r.state = 'offered'), a.id
LIMIT 1
"""


async def best_broker(referral: dict[str, Any]) -> dict[str, Any] | None:
    """The broker to offer ``referral`` to next, or None if nobody matches."""
    place = centroid(referral["zip"])
    if place is None:
        return None
    miles = get_settings().referral_radius_miles
    south, north, west, east = box(place.latitude, place.longitude, miles)
    scale = math.cos(math.radians(place.latitude))
    here = (place.latitude, place.latitude, place.longitude, scale, place.longitude, scale)
    limit = (miles / MILES_PER_DEGREE_LATITUDE) ** 2
    rows = await raw(BEST, south, north, west, east, *here, limit, referral["id"],
                     f"% {referral['language']} %", *here)  # fmt: skip
    return rows[0] if rows else None
