"""Numbers people type into the wrong box: Social Security Numbers, which the service
must never store, and the Federal Tax IDs and state license numbers brokers mistake for
their National Producer Number (NPN). Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from workflow.core.errors import BadInput

# 123-45-6789 or 123 45 6789 (also inside longer text). Nine bare digits are not caught:
# an NPN can be nine digits long.
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_EIN = re.compile(r"^\d{2}-\d{7}$")
_NPN = re.compile(r"^\d{1,10}$")

NPN_LOOKUP = "nipr.com/PacNpnSearch.htm"
NOT_LICENSE_OR_TAX_ID = "your NPN is not your state license number or your Federal Tax ID number"


def looks_like_ssn(text: str | None) -> bool:
    return bool(text) and bool(_SSN.search(text))


def ssn_refusal(field: str) -> str:
    return (
        f"{field}: this looks like a Social Security Number. Never type an SSN here: the "
        "service does not store SSNs. Remove it and try again"
    )


def npn_problem(value: str) -> str | None:
    """Why ``value`` cannot be an NPN, in the broker's words, or ``None`` if it can."""
    cleaned = value.strip()
    if looks_like_ssn(cleaned):
        return ssn_refusal("npn")
    if _EIN.match(cleaned):
        return (
            "npn: this looks like a Federal Tax ID (EIN), not a National Producer Number; "
            f"{NOT_LICENSE_OR_TAX_ID}. Look your NPN up at {NPN_LOOKUP}"
        )
    if not cleaned:
        return "npn: give your National Producer Number (NPN), 1 to 10 digits"
    if not _NPN.match(cleaned):
        if any(ch.isalpha() for ch in cleaned):
            return (
                "npn: an NPN is digits only; letters suggest a state license number, and "
                f"{NOT_LICENSE_OR_TAX_ID}. Look your NPN up at {NPN_LOOKUP}"
            )
        return f"npn: an NPN is 1 to 10 digits, no spaces or dashes; look it up at {NPN_LOOKUP}"
    return None


def refuse_sensitive(name: str, value: Any) -> None:
    """400 naming the field when ``value`` (a string, or any string inside a list or
    mapping, keys included) holds an SSN-shaped number or a NUL character (PostgreSQL
    cannot store one, so it would fail deep inside instead of here)."""
    for where, text in strings_in(value, name):
        if "\x00" in text:
            raise BadInput(f"{where}: contains a NUL character (\\u0000); remove it", field=where)
        if looks_like_ssn(text):
            raise BadInput(ssn_refusal(where), field=where)


def strings_in(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON-like value with its path (``data.reason``, ``ids[2]``)."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                inner = f"{where}.{key}" if where else str(key)
                yield inner, str(key)
                stack.append((child, inner))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
