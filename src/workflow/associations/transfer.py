"""Book of Business transfer: an admin moves all (or selected) confirmed associations of
one assister to another active assister, all or nothing.

Each association moves by its own ``transfer`` event (confirmed → confirmed, the
assister changes) through ``fire``, so each keeps its id, its consumer's
authorization and a history row naming both assisters. The events run inside one outer
transaction: ``fire``'s own transaction joins it, and any refusal rolls back
every move already made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.machine import AssociationState
from workflow.core.errors import BadInput, GuardRefused, NotFound
from workflow.core.principal import Principal
from workflow.db import transaction
from workflow.engine.command import FireEvent
from workflow.engine.fire import conflicts_as_409, fire
from workflow.tables import Assister, Association


async def transfer_book(
    from_assister_id: int,
    to_assister_id: int,
    actor: Principal,
    *,
    reason: str,
    association_ids: list[int] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Move the associations; returns the ids moved. Refuses the whole transfer (and
    says which ids are wrong) if any selected association cannot move."""
    if from_assister_id == to_assister_id:
        raise BadInput("to_assister_id: choose a different assister to move to", "to_assister_id")
    now = now or datetime.now(UTC)
    async with conflicts_as_409("book of business of assister", from_assister_id), transaction():
        await _check_assisters(from_assister_id, to_assister_id)
        confirmed = await _confirmed_ids(from_assister_id)
        ids = sorted(set(association_ids)) if association_ids is not None else sorted(confirmed)
        wrong = [i for i in ids if i not in confirmed]
        if wrong:
            raise GuardRefused(
                "transfer",
                f"associations {wrong} are not confirmed associations of assister "
                f"{from_assister_id}; nothing was transferred: select only their confirmed "
                "associations",
            )
        if not ids:
            raise GuardRefused(
                "transfer",
                f"assister {from_assister_id} has no confirmed associations; nothing to transfer",
            )
        data = {"to_assister_id": to_assister_id, "from_assister_id": from_assister_id}
        for association_id in ids:  # in id order, so concurrent transfers lock alike
            await fire(
                FireEvent(
                    ASSOCIATION_CASE,
                    association_id,
                    "transfer",
                    actor=actor,
                    reason=reason,
                    data=data,
                    now=now,
                )
            )
    return {
        "from_assister_id": from_assister_id,
        "to_assister_id": to_assister_id,
        "transferred": ids,
        "count": len(ids),
    }


async def _check_assisters(from_id: int, to_id: int) -> None:
    rows = await Assister.select(Assister.id, Assister.name, Assister.state).where(
        Assister.id.is_in([from_id, to_id])
    )
    found = {r["id"]: r for r in rows}
    if from_id not in found:
        raise NotFound(f"assister {from_id} not found")
    target = found.get(to_id)
    if target is None:
        raise BadInput(f"to_assister_id: assister {to_id} does not exist", "to_assister_id")
    if target["state"] != "active":
        raise GuardRefused(
            "transfer",
            f"{target['name']} (assister {to_id}) is {target['state']}: a Book of Business "
            "can only move to an active assister; nothing was transferred",
        )


async def _confirmed_ids(assister_id: int) -> set[int]:
    rows = await Association.select(Association.id).where(
        (Association.assister == assister_id) & (Association.state == AssociationState.confirmed)
    )
    return {r["id"] for r in rows}
