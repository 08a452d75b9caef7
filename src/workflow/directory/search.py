"""Searching the public directory: active assisters near a ZIP code (nearest first) or in
a state (by name), filtered by language, kind, organisation and whether they take new
clients, each showing only what their directory display choice allows.

Display choices: ``all`` shows every contact detail; ``all_but_street`` the same without
the street line; ``home_state_only`` every detail, but listed only to searches in their
home state (a ZIP code in another state, even a near one, does not find them);
``not_listed`` is never in the directory. The Reference Number and the e-mail address
are never shown (as on the consumer's own pages: name, organisation, phone, address).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from workflow.assisters.address import US_STATES
from workflow.assisters.machine import AssisterKind
from workflow.core.errors import BadInput
from workflow.core.zips import MILES_PER_DEGREE_LATITUDE, box, centroid, five_digits, miles_between
from workflow.db.raw import raw

LANGUAGE = re.compile(r"^[a-z]{2,3}$")
DEFAULT_RADIUS_MILES = 25
MAX_RADIUS_MILES = 200
SHOWS_STREET = frozenset({"all", "home_state_only"})
KINDS = tuple(k.value for k in AssisterKind)

COLUMNS = """a.id, a.name, a.kind, a.phone, a.address_street, a.address_city,
       a.address_state, a.address_zip, a.directory_display, a.latitude, a.longitude,
       a.organization AS organization_id, o.name AS organization,
       COALESCE(l.languages, ' ' || a.language || ' ') AS languages,
       COALESCE(l.accepting_new_clients, TRUE) AS accepting_new_clients"""
# The partial indexes' predicate, written the same way (so both planners use them).
LISTED = "a.state = 'active' AND a.directory_display <> 'not_listed'"
LISTING_JOIN = "LEFT JOIN directory_listings l ON l.assister = a.id"
PAGE = """
WITH hits AS (
  SELECT a.id, {rank} AS rank, count(*) OVER () AS total
  FROM assisters a {join}
  WHERE a.state = 'active' AND a.directory_display <> 'not_listed'{conditions}
  ORDER BY rank, a.id LIMIT {{}} OFFSET {{}})
SELECT {columns}, hits.total
FROM hits JOIN assisters a ON a.id = hits.id
     LEFT JOIN organizations o ON o.id = a.organization
     LEFT JOIN directory_listings l ON l.assister = a.id
ORDER BY hits.rank, a.id
"""


@dataclass(frozen=True)
class Search:
    zip: str | None = None
    state: str | None = None
    radius_miles: float = DEFAULT_RADIUS_MILES
    language: str | None = None
    kind: str | None = None
    organization_id: int | None = None
    accepting_new_clients: bool = False
    limit: int = 20
    offset: int = 0


def _where(search: Search) -> tuple[list[str], list[Any], dict[str, Any]]:
    """Conditions and their values besides FROM's, and what was searched."""
    where: list[str] = []
    args: list[Any] = []
    searched: dict[str, Any] = {}
    if search.zip is not None:
        place = _place(search.zip)
        radius = _radius(search.radius_miles)
        south, north, west, east = box(place.latitude, place.longitude, radius)
        scale = math.cos(math.radians(place.latitude))
        where += [
            "a.latitude BETWEEN {} AND {}",
            "a.longitude BETWEEN {} AND {}",
            f"{_distance_sq()} <= {{}}",
            "(a.directory_display <> 'home_state_only' OR a.address_state = {})",
        ]
        args += [south, north, west, east, place.latitude, place.latitude, place.longitude,
                 scale, place.longitude, scale, (radius / MILES_PER_DEGREE_LATITUDE) ** 2,
                 place.state]  # fmt: skip
        searched = {"zip": place.zip, "city": place.city, "state": place.state,
                    "radius_miles": radius, "latitude": place.latitude,
                    "longitude": place.longitude}  # fmt: skip
    elif search.state is not None:
        state = search.state.strip().upper()
        if state not in US_STATES:
            raise BadInput(f"state: {search.state!r} is not a US state; give its two-letter "
                           "postal code, e.g. MN", "state")  # fmt: skip
        where.append("a.address_state = {}")
        args.append(state)
        searched = {"state": state}
    else:
        raise BadInput("give a ZIP code (zip=55101) or a state (state=MN) to search near", "zip")
    if search.language:
        language = search.language.strip().lower()
        if not LANGUAGE.match(language):
            raise BadInput(f"language: {search.language!r} is not a language code; use two "
                           "letters, e.g. es for Spanish", "language")  # fmt: skip
        where.append("COALESCE(l.languages, ' ' || a.language || ' ') LIKE {}")
        args.append(f"% {language} %")
    if search.kind:
        if search.kind not in KINDS:
            raise BadInput(f"kind: choose one of {', '.join(KINDS)}", "kind")
        where.append("a.kind = {}")
        args.append(search.kind)
    if search.organization_id is not None:
        where.append("a.organization = {}")
        args.append(search.organization_id)
    if search.accepting_new_clients:
        where.append("COALESCE(l.accepting_new_clients, TRUE) = TRUE")
    return where, args, searched


def _distance_sq() -> str:
    """Squared distance in degrees of latitude (longitude scaled by the cosine of the
    searched latitude): exact enough at directory distances, and plain arithmetic on
    both engines."""
    return (
        "((a.latitude - {}) * (a.latitude - {})"
        " + (a.longitude - {}) * {} * (a.longitude - {}) * {})"
    )


def _place(value: str):
    digits = five_digits(value)
    if digits is None:
        raise BadInput(f"zip: {value!r} is not a ZIP code; give five digits, e.g. 55101", "zip")
    found = centroid(digits)
    if found is None:
        raise BadInput(f"zip: there is no ZIP code {digits}; check it and try again, or "
                       "search by state", "zip")  # fmt: skip
    return found


def _radius(miles: float) -> float:
    if not 1 <= miles <= MAX_RADIUS_MILES:
        raise BadInput(f"radius_miles: give a distance from 1 to {MAX_RADIUS_MILES} miles",
                       "radius_miles")  # fmt: skip
    return miles


async def find_help(search: Search) -> dict[str, Any]:
    """One page of listed, active assisters and how many there are in all: the page is
    chosen from the assisters table alone (its index covers the filters), and only its
    rows are joined to organisations and listings."""
    where, args, searched = _where(search)
    conditions = "".join(f"\n  AND {w}" for w in where)
    if search.zip is not None:
        scale = math.cos(math.radians(searched["latitude"]))
        rank = _distance_sq()
        rank_args = [searched["latitude"], searched["latitude"], searched["longitude"], scale,
                     searched["longitude"], scale]  # fmt: skip
    else:
        rank, rank_args = "a.name", []
    needs_listing = search.language or search.accepting_new_clients
    join = LISTING_JOIN if needs_listing else ""
    sql = PAGE.format(rank=rank, join=join, conditions=conditions, columns=COLUMNS)
    rows = await raw(sql, *rank_args, *args, search.limit, search.offset)
    if rows:
        total = rows[0]["total"]
    elif search.offset:
        count = f"SELECT count(*) AS n FROM assisters a {join} WHERE {LISTED}{conditions}"
        total = (await raw(count, *args))[0]["n"]
    else:
        total = 0
    return {
        "searched": {k: v for k, v in searched.items() if k not in ("latitude", "longitude")},
        "items": [listing(row, searched) for row in rows],
        "total": total,
        "limit": search.limit,
        "offset": search.offset,
    }


def listing(row: dict[str, Any], searched: dict[str, Any]) -> dict[str, Any]:
    """What the directory shows of one assister: their display choice decides the street."""
    show_street = row["directory_display"] in SHOWS_STREET
    distance = None
    if "latitude" in searched and row["latitude"] is not None:
        distance = round(miles_between(searched["latitude"], searched["longitude"],
                                       row["latitude"], row["longitude"]), 1)  # fmt: skip
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "organization_id": row["organization_id"],
        "organization": row["organization"],
        "phone": row["phone"],
        "address": {
            "street": row["address_street"] if show_street else None,
            "city": row["address_city"],
            "state": row["address_state"],
            "zip": row["address_zip"],
        },
        "languages": row["languages"].split(),
        "accepting_new_clients": bool(row["accepting_new_clients"]),
        "distance_miles": distance,
    }
