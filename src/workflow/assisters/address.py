"""An assister's business address: its parts, how they are checked and stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.core.errors import BadInput
from workflow.core.zips import coordinates

ADDRESS_PARTS = ("street", "city", "state", "zip")
# USPS codes of the states, DC and the territories a marketplace serves.
_STATES = """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI"""
US_STATES = frozenset(_STATES.split())


@dataclass(frozen=True)
class Address:
    """An assister's business address; ``state`` is their home state."""

    street: str
    city: str
    state: str
    zip: str


def address_columns(address: Mapping[str, str]) -> dict[str, Any]:
    """The address's column values, cleaned, with its ZIP code's coordinates (for the
    public directory); 400 naming the part that is wrong."""
    values = {f"address_{part}": (address.get(part) or "").strip() for part in ADDRESS_PARTS}
    for part in ADDRESS_PARTS:
        if not values[f"address_{part}"]:
            raise BadInput(f"address.{part}: give the {part}", field=f"address.{part}")
    values["address_state"] = values["address_state"].upper()
    if values["address_state"] not in US_STATES:
        raise BadInput(
            f"address.state: {address['state']!r} is not a US state; give its two-letter "
            "postal code, e.g. MN",
            field="address.state",
        )
    return {**values, **coordinates(values["address_zip"])}


def address_of(row: Mapping[str, Any]) -> dict[str, str] | None:
    """The stored address as ``{street, city, state, zip}``, or None if none was given."""
    if row.get("address_city") is None:
        return None
    return {part: row[f"address_{part}"] for part in ADDRESS_PARTS}
