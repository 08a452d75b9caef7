"""The search behind ``GET /search`` and the staff search page.

Each kind's table is asked once for rows whose searchable text contains the query (at
most ``CANDIDATES`` each, through the name/e-mail/NPN indexes where they help); the rows
are then ranked here: an exact id, NPN or Reference Number first, then a field that
starts with the query, then one that contains it. A hit names the field it matched on
and links to the case's staff page. Callers see only cases they may see (an agency
admin: their organisation's assisters and exemption requests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from workflow.core.errors import BadInput
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db import ilike
from workflow.engine.kinds import CaseKind
from workflow.registry import KINDS
from workflow.tables import Assister, Association, ExemptionRequest, NpnValidation
from workflow.web.path_ids import MAX_ID

CANDIDATES = 200
MAX_HITS = 50
EXACT, PREFIX, CONTAINS = 0, 1, 2
RANK_NAMES = {EXACT: "exact", PREFIX: "starts with", CONTAINS: "contains"}
# Fields whose exact match ranks first (the others rank by prefix and contains only).
EXACT_FIELDS = ("id", "npn", "reference_number")


@dataclass(frozen=True)
class Hit:
    machine: str
    id: int
    title: str
    state: str
    matched: str  # the field that matched
    rank: int  # 0 exact, 1 prefix, 2 contains
    url: str  # the staff case page
    api_url: str  # the case in the API

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"match": RANK_NAMES[self.rank]}


def clean_query(q: str | None) -> str:
    text = (q or "").strip()
    if len(text) > 100:
        raise BadInput("q: at most 100 characters", field="q")
    return text


def rank(q: str, fields: Mapping[str, Any]) -> tuple[int, str] | None:
    """The best (rank, field) of ``q`` among ``fields``; ``None`` if none matches."""
    needle = q.casefold()
    best: tuple[int, str] | None = None
    for name, value in fields.items():
        if value is None or value == "":
            continue
        text = str(value).casefold()
        if text == needle and name in EXACT_FIELDS:
            found = EXACT
        elif text.startswith(needle):
            found = PREFIX
        elif needle in text:
            found = CONTAINS
        else:
            continue
        if best is None or found < best[0]:
            best = (found, name)
    return best


@dataclass(frozen=True)
class Source:
    """How one kind is searched: its candidate query and what a row shows."""

    kind: str
    query: Callable[[str, str, Principal], Any]
    fields: Callable[[Mapping[str, Any]], dict[str, Any]]
    title: Callable[[Mapping[str, Any]], str]


def as_id(text: str) -> int | None:
    """``text`` as a row id, if it is one any row can have."""
    if text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def _id_or(q: str, column, condition):
    case_id = as_id(q)
    return (column == case_id) | condition if case_id is not None else condition


def _assisters(q: str, like: str, actor: Principal):
    a = Assister
    match = (ilike(a.name, like) | ilike(a.email, like) | ilike(a.phone, like)
             | ilike(a.npn, like) | ilike(a.reference_number, like)
             | ilike(a.organization.name, like))  # fmt: skip
    query = a.select(a.all_columns(), a.organization.name.as_alias("organization_name"))
    query = query.where(_id_or(q, a.id, match))
    if actor.role == Role.agency_admin:
        query = query.where(a.organization == actor.organization_id)
    return query


def _assister_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "npn", "reference_number", "name", "email", "phone")
    return {k: row[k] for k in keys} | {"organisation": row["organization_name"]}


def _assister_title(row: Mapping[str, Any]) -> str:
    org = f", {row['organization_name']}" if row["organization_name"] else ""
    npn = f", NPN {row['npn']}" if row["npn"] else ""
    return f"{row['name']} ({row['kind']}{npn}{org})"


def _validations(q: str, like: str, actor: Principal):
    v = NpnValidation
    match = ilike(v.assister.npn, like) | ilike(v.assister.name, like)
    return v.select(
        v.all_columns(),
        v.assister.name.as_alias("broker_name"),
        v.assister.npn.as_alias("broker_npn"),
    ).where(_id_or(q, v.id, match))


def _validation_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "npn": row["broker_npn"], "name": row["broker_name"]}


def _validation_title(row: Mapping[str, Any]) -> str:
    return f"NPN validation of {row['broker_name']} (NPN {row['broker_npn'] or 'none'})"


def _associations(q: str, like: str, actor: Principal):
    s = Association
    match = (ilike(s.consumer.name, like) | ilike(s.consumer.email, like)
             | ilike(s.consumer.phone, like))  # fmt: skip
    return s.select(
        s.all_columns(),
        s.consumer.name.as_alias("consumer_name"),
        s.consumer.email.as_alias("consumer_email"),
        s.consumer.phone.as_alias("consumer_phone"),
        s.assister.name.as_alias("assister_name"),
    ).where(_id_or(q, s.id, match))


def _association_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["consumer_name"],
        "email": row["consumer_email"],
        "phone": row["consumer_phone"],
    }


def _association_title(row: Mapping[str, Any]) -> str:
    return f"{row['consumer_name']} with {row['assister_name']}"


def _exemptions(q: str, like: str, actor: Principal):
    e = ExemptionRequest
    query = e.select(e.all_columns(), e.organization.name.as_alias("organization_name"))
    query = query.where(_id_or(q, e.id, ilike(e.organization.name, like)))
    if actor.role == Role.agency_admin:
        query = query.where(e.organization == actor.organization_id)
    return query


def _exemption_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "organisation": row["organization_name"]}


def _exemption_title(row: Mapping[str, Any]) -> str:
    return f"Exemption request of {row['organization_name']}"


SOURCES = (
    Source("assister", _assisters, _assister_fields, _assister_title),
    Source("npn_validation", _validations, _validation_fields, _validation_title),
    Source("association", _associations, _association_fields, _association_title),
    Source("exemption", _exemptions, _exemption_fields, _exemption_title),
)


async def search_cases(actor: Principal, q: str | None) -> list[Hit]:
    """The cases matching ``q`` that ``actor`` may see, best first (at most 50)."""
    text = clean_query(q)
    if not text:  # nothing asked: nothing found
        return []
    hits: list[tuple[int, int, Hit]] = []
    for order, source in enumerate(SOURCES):
        kind = KINDS[source.kind]
        if actor.role not in kind.roles:
            continue
        for row in await _candidates(source, text, actor):
            found = rank(text, source.fields(row))
            if found is None or not kind.visible_to(actor, row):
                continue
            hits.append((found[0], order, _hit(kind, row, source, found)))
    hits.sort(key=lambda h: (h[0], h[1], h[2].id))
    return [hit for _, _, hit in hits[:MAX_HITS]]


async def _candidates(source: Source, text: str, actor: Principal) -> list[dict[str, Any]]:
    """Rows equal to the query, then starting with it, then containing it, at most
    ``CANDIDATES`` of each, so many loose matches never crowd out an exact one."""
    rows: dict[int, dict[str, Any]] = {}
    # LIKE's wildcards typed by the caller are dropped: they never widen the search.
    bare = text.replace("\\", "").replace("%", "").replace("_", "")
    if not bare:
        return []
    for pattern in (bare, f"{bare}%", f"%{bare}%"):
        for row in await source.query(text, pattern, actor).limit(CANDIDATES):
            rows.setdefault(row["id"], row)
    return list(rows.values())


def _hit(kind: CaseKind, row: Mapping[str, Any], source: Source, found: tuple[int, str]) -> Hit:
    return Hit(
        machine=kind.name,
        id=row["id"],
        title=source.title(row),
        state=row["state"],
        matched=found[1],
        rank=found[0],
        url=f"/staff/cases/{kind.name}/{row['id']}",
        api_url=kind.url_of(row),
    )
