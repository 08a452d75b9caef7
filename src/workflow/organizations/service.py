"""Agencies and entities that assisters belong to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflow.tables import Organization


async def create_organization(name: str, kind: str) -> dict[str, Any]:
    rows = await Organization.insert(
        Organization(name=name.strip(), kind=kind, created_at=datetime.now(UTC))
    )
    return await Organization.select().where(Organization.id == rows[0]["id"]).first()


async def list_organizations(limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = await Organization.select().order_by(Organization.name).limit(limit).offset(offset)
    return rows, await Organization.count()
