"""What the producer registry says about an NPN, as event data, and the checks read
from it: name match, state license, health line of authority (LOA). Pure."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import msgspec

# LOA names that count as health-related, matched case-insensitively inside the name
# ("Health", "Accident & Health or Sickness", "Health Maintenance Organization").
HEALTH_LOA_WORDS = ("health", "sickness")
ACTIVE = "active"

Text = Annotated[str, msgspec.Meta(max_length=200)]


class LineOfAuthority(msgspec.Struct, forbid_unknown_fields=True):
    name: Text
    status: Text


class RegistryRecordData(msgspec.Struct, forbid_unknown_fields=True):
    """One producer as the registry has them."""

    npn: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,10}$")]
    first_name: Text
    last_name: Text
    state: Annotated[str, msgspec.Meta(max_length=2)]
    license_status: Text
    lines_of_authority: list[LineOfAuthority] = msgspec.field(default_factory=list)
    license_number: Text | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def normalize_name(name: str) -> list[str]:
    """Words of a name without case, accents or punctuation: 'José  O'Neil' → jose o neil."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split()


def names_match(profile_name: str, first_name: str, last_name: str) -> bool:
    """The profile's name is the registry's first and last name, a middle name or
    initial in between allowed; case, accents and punctuation ignored."""
    words, first, last = (
        normalize_name(profile_name),
        normalize_name(first_name),
        normalize_name(last_name),
    )
    if not first or not last or len(words) < len(first) + len(last):
        return False
    return words[: len(first)] == first and words[len(words) - len(last) :] == last


def is_health_loa(loa: LineOfAuthority) -> bool:
    name = loa.name.casefold()
    return any(word in name for word in HEALTH_LOA_WORDS)


def health_loas(record: RegistryRecordData) -> list[LineOfAuthority]:
    return [loa for loa in record.lines_of_authority if is_health_loa(loa)]


def license_active(record: RegistryRecordData) -> bool:
    return record.license_status.strip().casefold() == ACTIVE


def health_loa_active(record: RegistryRecordData) -> bool:
    return any(loa.status.strip().casefold() == ACTIVE for loa in health_loas(record))
