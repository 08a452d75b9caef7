"""What a case is linked to, read off the tables' foreign keys, so a new machine gets its
links for free: the cases it points at (a validation's broker), the cases that point at
it (a broker's validation, an assister's associations), the other rows it points at (an
organisation, a consumer) with the cases that share them (the organisation's exemption
requests), and the login accounts of an assister or an organisation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import ForeignKey
from piccolo.table import Table

from workflow.engine.kinds import CaseKind
from workflow.registry import KINDS
from workflow.tables import Account

SHOWN = 20  # cases listed per link; the rest are a click away in the case list


@dataclass(frozen=True)
class Link:
    relation: str  # what the link is to this case ("its NPN validation")
    label: str
    href: str
    state: str = ""


@dataclass(frozen=True)
class LinkGroup:
    relation: str
    links: list[Link]
    more: int = 0  # how many more there are
    more_href: str = ""


def _kind_of(table: type[Table]) -> CaseKind | None:
    return next((k for k in KINDS.values() if k.table is table), None)


def _fks(table: type[Table]) -> list[ForeignKey]:
    return list(table._meta.foreign_key_columns)


def _target(fk: ForeignKey) -> type[Table]:
    return fk._foreign_key_meta.resolved_references


def _words(name: str) -> str:
    return name.replace("_", " ")


def case_href(kind: CaseKind, case_id: int) -> str:
    return f"/staff/cases/{kind.name}/{case_id}"


def admin_href(table: type[Table], row_id: int) -> str:
    return f"/admin/#/{table._meta.tablename}/{row_id}"


def _case_label(kind: CaseKind, row: Mapping[str, Any]) -> str:
    name = row.get("name")
    return f"{kind.noun} {row['id']}" + (f": {name}" if name else "")


async def _cases_where(kind: CaseKind, column: ForeignKey, value: Any, relation: str,
                       exclude: int | None = None) -> LinkGroup | None:  # fmt: skip
    table = kind.table
    columns = [table.id, table.state]
    if "name" in {c._meta.name for c in table._meta.columns}:
        columns.append(table.name)
    query = table.select(*columns).where(column == value)
    if exclude is not None:
        query = query.where(table.id != exclude)
    rows = await query.order_by(table.id).limit(SHOWN + 1)
    if not rows:
        return None
    links = [Link(relation, _case_label(kind, r), case_href(kind, r["id"]), r["state"])
             for r in rows[:SHOWN]]  # fmt: skip
    more = 0
    if len(rows) > SHOWN:
        more = await table.count().where(column == value) - SHOWN - (exclude is not None)
    filter_name = column._meta.name
    return LinkGroup(
        relation, links, more, f"/staff/cases?machine={kind.name}&{filter_name}={value}"
    )


async def linked_cases(kind: CaseKind, row: Mapping[str, Any]) -> list[LinkGroup]:
    groups: list[LinkGroup | None] = []
    table = kind.table
    # What this case points at: cases, or rows with the cases that share them.
    for fk in _fks(table):
        value = row.get(fk._meta.name)
        if value is None:
            continue
        target = _target(fk)
        target_kind = _kind_of(target)
        if target_kind is not None:
            rows = await target.select().where(target.id == value).first()
            if rows:
                link = Link(_words(fk._meta.name), _case_label(target_kind, rows),
                            case_href(target_kind, value), rows["state"])  # fmt: skip
                groups.append(LinkGroup(_words(fk._meta.name), [link]))
            continue
        groups.append(await _row_link(fk, target, value))
        for other in KINDS.values():
            for other_fk in _fks(other.table):
                if _target(other_fk) is target:
                    same = other is kind
                    relation = (
                        f"{'other ' if same else ''}{other.noun} cases of the same "
                        f"{_words(fk._meta.name)}"
                    )
                    groups.append(
                        await _cases_where(
                            other, other_fk, value, relation, exclude=row["id"] if same else None
                        )
                    )
    # What points at this case.
    for other in KINDS.values():
        for other_fk in _fks(other.table):
            if _target(other_fk) is table and other is not kind:
                groups.append(await _cases_where(other, other_fk, row["id"], f"{other.noun} cases"))
    groups.append(await _accounts(table, row))
    return [g for g in groups if g is not None]


async def _row_link(fk: ForeignKey, target: type[Table], value: Any) -> LinkGroup:
    found = await target.select().where(target.id == value).first()
    label = (found or {}).get("name") or f"{target._meta.tablename} {value}"
    relation = _words(fk._meta.name)
    return LinkGroup(relation, [Link(relation, label, admin_href(target, value))])


async def _accounts(table: type[Table], row: Mapping[str, Any]) -> LinkGroup | None:
    """The login accounts of an assister (their own sign-in) or an organisation."""
    column = next((fk for fk in _fks(Account) if _target(fk) is table), None)
    if column is None:
        return None
    rows = await Account.select(Account.id, Account.role, Account.user.username).where(
        column == row["id"]
    )
    if not rows:
        return None
    links = [Link("login accounts", f"{r['user.username']} ({r['role']})",
                  admin_href(Account, r["id"])) for r in rows]  # fmt: skip
    return LinkGroup("login accounts", links)
