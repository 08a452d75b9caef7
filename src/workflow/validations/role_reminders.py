"""Reminding brokers whose NPN is valid but who have no Agent Broker role (still "Not an
Agent Broker", the role a stuck broker takes to continue to training, or no role chosen
at all) to choose one: a mailbox message at most once every ``role_reminder_days`` days,
until they do."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflow.assisters.machine import AssisterKind, AssisterState
from workflow.assisters.marketplace import AGENT_BROKER_ROLES
from workflow.core.settings import get_settings
from workflow.db import transaction
from workflow.messaging.mailbox import write_message
from workflow.tables import NpnValidation
from workflow.validations.machine import ValidationState

TEMPLATE = "choose_agent_broker_role"
_A = NpnValidation.assister


async def reminders_due(
    now: datetime, *, assister_id: int | None = None, every_days: int | None = None
) -> list[dict]:
    """Valid brokers without an Agent Broker role (none chosen, or "not an agent
    broker"), not reminded lately."""
    every_days = every_days or get_settings().role_reminder_days
    not_since = now - timedelta(days=every_days)
    due = (
        (NpnValidation.state == ValidationState.valid)
        & (_A.kind == AssisterKind.broker)
        & (_A.marketplace_role.is_null() | _A.marketplace_role.not_in(list(AGENT_BROKER_ROLES)))
        & (_A.state != AssisterState.deactivated)
    )
    if assister_id is not None:
        due &= NpnValidation.assister == assister_id
    return await NpnValidation.select(
        NpnValidation.id,
        _A.id.as_alias("assister_id"),
        _A.name,
        _A.email,
        _A.language,
        _A.marketplace_role,
    ).where(
        due
        & (NpnValidation.role_reminded_at.is_null() | (NpnValidation.role_reminded_at <= not_since))
    )


async def send_role_reminders(
    now: datetime, *, assister_id: int | None = None, every_days: int | None = None
) -> int:
    """Write the reminder to every broker who needs one and has not had one in the last
    ``every_days`` days (a setting); returns how many were written. Safe to run often
    and concurrently: each reminder is claimed with a conditional update first."""
    every_days = every_days or get_settings().role_reminder_days
    not_since = now - timedelta(days=every_days)
    rows = await reminders_due(now, assister_id=assister_id, every_days=every_days)
    sent = 0
    for row in rows:
        async with transaction():
            claimed = (
                await NpnValidation.update({NpnValidation.role_reminded_at: now})
                .where(
                    (NpnValidation.id == row["id"])
                    & (
                        NpnValidation.role_reminded_at.is_null()
                        | (NpnValidation.role_reminded_at <= not_since)
                    )
                )
                .returning(NpnValidation.id)
            )
            if not claimed:
                continue  # another run reminded them meanwhile
            broker = {
                "id": row["assister_id"],
                "name": row["assister.name"],
                "email": row["assister.email"],
                "language": row["assister.language"],
            }
            context = {
                "every_days": every_days,
                "role_chosen": row["assister.marketplace_role"] is not None,
            }
            await write_message(broker, TEMPLATE, context, now)
            sent += 1
    return sent
