"""Who acts, declared once: every role check, route declaration, machine event and
account column reads this enum.

The first six roles sign in (``metrics`` only as a scraper's token). ``system`` is the
service itself (the sweep, the expiry of requests, follow-up checks); ``anonymous`` marks
what anyone may call without signing in.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    support = "support"
    agency_admin = "agency_admin"
    assister = "assister"
    consumer = "consumer"
    # A scraper's login: its token reads ``GET /metrics`` and nothing else.
    metrics = "metrics"
    system = "system"
    anonymous = "anonymous"


# Program staff: they sign in to the admin and see every case.
STAFF = frozenset({Role.admin, Role.support})
# Who sees every case of every kind: staff, and the service itself.
SEES_EVERYTHING = STAFF | {Role.system}
# The roles a login can hold (the accounts table's choices).
SIGN_IN = tuple(role for role in Role if role not in (Role.system, Role.anonymous))
# The people among them: what "any signed-in caller" means for a route.
PEOPLE = tuple(role for role in SIGN_IN if role is not Role.metrics)
# The same roles as an enum of their own, because a column's choices must be an Enum; it
# is built from ``Role``, never written out twice.
LoginRole = StrEnum("Role", {role.name: role.value for role in SIGN_IN})


def a_role(role: str) -> str:
    """``an assister``, ``a support``: for messages that name who was refused."""
    return f"{'an' if role[:1] in tuple('aeiou') else 'a'} {role}"


def check_roles(roles, where: str) -> frozenset[Role]:
    """The roles as members of ``Role``; a name that is not one is a programming error."""
    unknown = {str(r) for r in roles} - set(Role)
    if unknown:
        raise ValueError(f"{where}: unknown roles {sorted(unknown)}; roles are {list(Role)}")
    return frozenset(Role(r) for r in roles)
