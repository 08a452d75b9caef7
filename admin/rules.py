"""What the admin's own table API may change. Everything not listed here is read-only.

States, versions, history and the audit log change only through the machines (the
"Fire an event" forms call the same service function as the API), so an edit of them
through the admin's table API is refused with a message, whatever the user's role. Nothing
is deleted through the admin: cases end through their events, users are deactivated.
Support reads everything and moves cases through the forms, but changes no rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from piccolo.columns import JSON, Column
from piccolo.table import Table
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators

from admin.auth import principal_of
from workflow.accounts.tokens import forget_tokens
from workflow.core.roles import Role
from workflow.core.sensitive import looks_like_ssn, ssn_refusal

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MACHINE_COLUMNS = {"state", "version", "npn_status"}


def refuse(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


async def staff_only_reads_for_support(piccolo_crud, request) -> None:
    """Support reads every table and changes none of them."""
    if request.method.upper() in WRITES:
        principal = await principal_of(request)
        if principal.role != Role.admin:
            raise refuse(403, "support may read here but not change rows; ask an admin")


def no_deletes(piccolo_crud, request) -> None:
    name = piccolo_crud.table._meta.tablename
    raise refuse(
        405,
        f"nothing is deleted from {name} in the admin: cases end through their events "
        "(Fire an event) and users are deactivated (Deactivate user)",
    )


def creates_elsewhere(where: str):
    def no_creates(piccolo_crud, request) -> None:
        name = piccolo_crud.table._meta.tablename
        raise refuse(405, f"rows of {name} are not added here: {where}")

    return no_creates


def validators(*, creates: str | None) -> Validators:
    """``creates``: where new rows come from (``None``: the table API may add them)."""
    deny_create = [creates_elsewhere(creates)] if creates else []
    return Validators(
        every=[staff_only_reads_for_support],
        post_single=deny_create,
        put_single=[whole_row_replacement],
        delete_single=[no_deletes],
        delete_all=[no_deletes],
    )


def whole_row_replacement(piccolo_crud, request) -> None:
    raise refuse(405, "replace is not supported here; edit the fields you may change")


def editable_hook(table: type[Table], editable: set[str]) -> Hook:
    """A pre-patch hook: refuse a change to any column outside ``editable`` (the admin's
    edit form sends every field back, so unchanged read-only fields are dropped quietly),
    and refuse SSN-shaped text in the ones that may change."""

    async def check(row_id: Any, values: dict[str, Any]) -> dict[str, Any]:
        current = await table.select().where(table._meta.primary_key == row_id).first()
        if current is None:
            raise refuse(404, f"{table._meta.tablename} {row_id} not found")
        allowed: dict[str, Any] = {}
        for key, value in values.items():
            column = key if isinstance(key, Column) else table._meta.get_column_by_name(key)
            name = column._meta.name
            if name in editable:
                if isinstance(value, str) and looks_like_ssn(value):
                    raise refuse(400, ssn_refusal(name))
                allowed[key] = value
            elif column._meta.secret and value in (None, ""):
                continue  # secrets are never shown, so the form sends them back empty
            elif not _same(current.get(name), value, json_column=isinstance(column, JSON)):
                raise refuse(403, _read_only_message(table, name))
        if not allowed:
            # piccolo would run an UPDATE with nothing to set: a 500.
            raise refuse(400, _nothing_to_change(table, row_id, editable))
        # A role, a lock or a login's state may have changed: trust no cached token.
        forget_tokens()
        return allowed

    return Hook(hook_type=HookType.pre_patch, callable=check)


def _read_only_message(table: type[Table], name: str) -> str:
    noun = table._meta.tablename
    if name in MACHINE_COLUMNS:
        return (
            f"{noun}.{name} is read-only: states move only through their machine; use the "
            "form 'Fire an event' (or the API's events route), which checks the rules and "
            "writes the history"
        )
    return f"{noun}.{name} is read-only in the admin"


def _nothing_to_change(table: type[Table], row_id: Any, editable: set[str]) -> str:
    noun = table._meta.tablename
    if not editable:
        return f"{noun} rows are read-only in the admin: nothing here may be changed"
    fields = ", ".join(sorted(editable))
    return f"nothing to change in {noun} {row_id}: in the admin only {fields} may be edited"


def _same(old: Any, new: Any, *, json_column: bool = False) -> bool:
    """Whether ``new`` (what the edit form sent back) leaves ``old`` unchanged. The form
    sends date-times cut to whole seconds, in UTC, with or without a zone, and a JSON
    column as the text of its JSON, laid out its own way (compared as JSON values)."""
    if json_column:
        return _json_value(old) == _json_value(new)
    if isinstance(old, datetime) and isinstance(new, str):
        try:
            new = datetime.fromisoformat(new)
        except ValueError:
            return False
    if isinstance(old, datetime) and isinstance(new, datetime):
        return _utc_seconds(old) == _utc_seconds(new)
    if old is None or new is None:
        return old is None and new in (None, "")
    return str(old) == str(new) if type(old) is not type(new) else old == new


def _json_value(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _utc_seconds(value: datetime) -> datetime:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=0)
