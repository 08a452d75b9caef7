"""Consumers: their record, what they see of their assister, and the one row every
association change of theirs queues on."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.assisters.address import address_of
from workflow.associations.machine import assister_can_act
from workflow.core.errors import Forbidden, NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db.raw import ids_in
from workflow.tables import Consumer
from workflow.tables.assisters import DirectoryDisplay

CONSUMER_COLUMNS = [
    Consumer.id,
    Consumer.name,
    Consumer.email,
    Consumer.phone,
    Consumer.address,
    Consumer.application_status,
    Consumer.created_at,
    Consumer.updated_at,
]

ASSISTER_PUBLIC = """
SELECT s.id, s.name, s.kind, s.phone, s.state, o.name AS organization, s.address_street,
       s.address_city, s.address_state, s.address_zip, s.directory_display
FROM assisters s LEFT JOIN organizations o ON o.id = s.organization
WHERE s.id = {}
"""

NOTICES = {
    "lapsed": (
        "{name}'s certification has lapsed: they stay your assister but cannot act for you "
        "until they renew it. You can keep them or choose another assister."
    ),
    "deactivated": (
        "{name} has left the assister program: they stay listed as your assister but cannot "
        "act for you. You can remove them or choose another assister."
    ),
}
# The directory display choice governs the public directory. A consumer only reaches
# these details with the Reference Number the assister gave them (or through an existing
# association), and needs to know whom they authorise, so every choice shows name,
# organisation, phone and city/state/ZIP; the street line only where the assister lets
# the public see it. ``not_listed`` keeps them out of the directory and shows no street.
SHOWS_STREET = frozenset({DirectoryDisplay.all, DirectoryDisplay.home_state_only})

DEFAULT_NOTICE = (
    "{name} is not an active assister right now (status: {state}) and cannot act for you."
)


async def create_consumer_record(
    user_id: int,
    *,
    name: str,
    email: str,
    phone: str | None,
    address: str | None,
    now: datetime,
) -> int:
    """The consumer record of a new ``consumer`` user (inside the caller's transaction)."""
    rows = await Consumer.insert(
        Consumer(
            user=user_id,
            name=name.strip(),
            email=email.strip(),
            phone=phone,
            address=address,
            created_at=now,
            updated_at=now,
        )
    )
    return rows[0]["id"]


def require_consumer(actor: Principal) -> int:
    """The caller's consumer id; a consumer login without a record cannot use these routes."""
    if actor.role != Role.consumer or actor.consumer_id is None:
        raise Forbidden(
            "only a consumer with a consumer record can do this; "
            "create one with: workflow users create NAME --role consumer"
        )
    return actor.consumer_id


async def get_consumer(consumer_id: int) -> dict[str, Any]:
    row = await Consumer.select(*CONSUMER_COLUMNS).where(Consumer.id == consumer_id).first()
    if row is None:
        raise NotFound(f"consumer {consumer_id} not found")
    return row


async def lock_consumer(consumer_id: int) -> None:
    """Bump the consumer's row so that, on PostgreSQL, every association change of this
    consumer waits for the one before it to commit (SQLite's IMMEDIATE transactions
    already queue all writers). Callers take this lock before touching associations."""
    await Consumer.raw(
        "UPDATE consumers SET association_seq = association_seq + 1 WHERE id = {}", consumer_id
    )


async def lock_consumers_of(association_ids: list[int]) -> None:
    """``lock_consumer`` for the consumers of many associations, in one statement."""
    if association_ids:
        await Consumer.raw(
            "UPDATE consumers SET association_seq = association_seq + 1 WHERE id IN "
            f"(SELECT consumer FROM associations WHERE id IN ({ids_in()}))",
            json.dumps(association_ids),
        )


async def assister_public(assister_id: int) -> dict[str, Any]:
    """What a consumer may see of an assister: name, organisation, phone, business
    address (following their directory display choice) and whether they can act now.
    Never their email, NPN, Reference Number or registration details."""
    rows = await Consumer.raw(ASSISTER_PUBLIC, assister_id)
    if not rows:
        raise NotFound(f"assister {assister_id} not found")
    return present_assister_public(rows[0])


def present_assister_public(row: Mapping[str, Any]) -> dict[str, Any]:
    can_act = assister_can_act(row["state"])
    notice = None
    if not can_act:
        notice = NOTICES.get(row["state"], DEFAULT_NOTICE).format(
            name=row["name"], state=row["state"]
        )
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "organization": row["organization"],
        "phone": row["phone"],
        "address": public_address(row),
        "can_act": can_act,
        "notice": notice,
    }


def public_address(row: Mapping[str, Any]) -> dict[str, str | None] | None:
    """The business address a consumer sees: without the street unless the assister's
    directory display choice shows it; None if they gave no address."""
    address = address_of(row)
    if address is not None and row["directory_display"] not in SHOWS_STREET:
        address["street"] = None
    return address


async def set_language(consumer_id: int, language: str) -> None:
    """The consumer chose the language of their pages (and of their notices)."""
    await Consumer.update({Consumer.language: language}).where(Consumer.id == consumer_id)
