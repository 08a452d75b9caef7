"""Demo brokers for NPN validation: the sample producer registry, brokers who validated
and registered, and brokers stuck on each failure (some for long enough to breach the
support SLA), each moved there through the machines so the history is real."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflow.assisters.address import Address
from workflow.assisters.profiles import ProfileChanges, update_profile
from workflow.assisters.service import NewAssister, create_assister
from workflow.core.business_days import latest_start_waiting_at_least
from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.validations.registry import RegistryUnavailable, use_registry
from workflow.validations.registry_file import load_registry, parse_registry_csv, sample_csv
from workflow.validations.service import correct_record, fire_support_event, resolve, revalidate
from workflow.validations.sla import business_date

# The demo's existing brokers (services/demo.py) and their NPNs in the sample registry.
NPNS = {"Ben Okafor": "18450021", "Dana Whitfield": "17283945", "Jonas Berg": "16620488"}

# (name on the profile, NPN, SSN given at sign-up, what happens, business days it has been
# stuck: the SLA is due from 5 and breached after 7 by default)
BROKERS = [
    ("Kofi Asante", "19034417", True, "active", 0),
    ("Lucia Romero", "19877102", True, "registered", 0),
    ("Marcus Reid", "15592730", True, "stuck", 3),  # the registry says Marcus Reed
    ("Nadia Petrova", "18811456", False, "escalated", 12),  # Saving Data Failed
    ("Omar Haddad", "17740093", True, "stuck", 8),  # license expired
    ("Sofia Martins", "16407781", True, "stuck", 1),  # no health line of authority
    ("Tom Becker", "19250364", True, "stuck", 0),  # health LOA inactive
    ("Uma Patel", "18093325", True, "registry_down", 0),
    ("Victor Chan", "17366210", True, "corrected", 10),  # the registry says Victor Chen
    ("Wendy Brooks", "15120947", False, "resolved", 6),
    ("María José Núñez", "13307715", True, "active", 0),  # speaks Spanish (directory.py)
]

# Business addresses (fictitious streets, real ZIP codes in the bundled centroids), so the
# active ones are found near a ZIP code and can be offered Help On Demand referrals.
ADDRESSES = {
    "Kofi Asante": Address("700 Nicollet Mall Ste 300", "Minneapolis", "MN", "55403"),
    "Lucia Romero": Address("2929 Chicago Ave", "Minneapolis", "MN", "55407"),
    "Marcus Reid": Address("1600 University Ave W", "St Paul", "MN", "55104"),
    "Nadia Petrova": Address("310 S 1st St", "Mankato", "MN", "56001"),
    "Omar Haddad": Address("18 7th Ave N", "St Cloud", "MN", "56303"),
    "Sofia Martins": Address("1201 W Lake St", "Minneapolis", "MN", "55408"),
    "Tom Becker": Address("220 S Broadway", "Rochester", "MN", "55904"),
    "Uma Patel": Address("5 W Superior St", "Duluth", "MN", "55802"),
    "Victor Chan": Address("1400 E 7th St", "St Paul", "MN", "55106"),
    "Wendy Brooks": Address("3030 Nicollet Ave", "Minneapolis", "MN", "55408"),
    "María José Núñez": Address("965 Payne Ave", "St Paul", "MN", "55130"),
}


def _business_days_ago(now: datetime, count: int) -> datetime:
    day = latest_start_waiting_at_least(business_date(now), count)
    tz = ZoneInfo(get_settings().program_timezone)
    return min(now, datetime.combine(day, time(10), tzinfo=tz))


class _DownRegistry:
    async def lookup(self, npn):
        raise RegistryUnavailable("demo: the producer registry is down")


async def load_demo_registry() -> int:
    return (await load_registry(parse_registry_csv(sample_csv()))).loaded


async def load_demo_brokers(actor: Principal, organization_id: int, walk) -> int:
    """Create the brokers above; ``walk(row, target)`` moves one through the lifecycle."""
    now = datetime.now(UTC)
    for name, npn, ssn, scenario, days_ago in BROKERS:
        email = re.sub(r"[^a-z]+", ".", name.lower()) + "@example.org"
        row = await create_assister(
            NewAssister(
                kind="broker",
                name=name,
                email=email,
                npn=npn,
                organization_id=organization_id,
                ssn_provided=ssn,
                address=ADDRESSES.get(name),
            ),
            actor,
        )
        await _scenario(row, scenario, actor, _business_days_ago(now, days_ago), walk)
    return len(BROKERS)


async def _scenario(row: dict, scenario: str, actor: Principal, since: datetime, walk) -> None:
    aid = row["id"]
    if scenario in ("active", "registered"):
        role = "both" if scenario == "active" else "individual"
        await update_profile(aid, ProfileChanges(marketplace_role=role), actor)
        await walk(row, scenario)
        return
    if scenario == "registry_down":
        with use_registry(_DownRegistry()):
            await revalidate(aid, actor, now=since)
        return
    await revalidate(aid, actor, now=since)
    # A stuck broker continues to training as "Not an Agent Broker" (a save that checks
    # the registry again: before support's steps, or it would close their case).
    await update_profile(aid, ProfileChanges(marketplace_role="not_agent_broker"), actor, now=since)
    later = since + timedelta(days=1)
    if scenario == "escalated":
        reason = "broker called the service desk"
        await fire_support_event(aid, "escalate", actor, reason, now=later)
    elif scenario in ("corrected", "resolved"):
        await fire_support_event(aid, "confirm_identity", actor, "verified by phone", now=later)
    if scenario == "corrected":
        await correct_record(aid, actor, "name as in the producer registry", now=later)
    await walk(row, "trained")
    if scenario == "resolved":  # validated again at once, then reminded to choose a role
        await resolve(aid, actor, "identity confirmed against the registry")
