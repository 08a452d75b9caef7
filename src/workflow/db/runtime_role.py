"""A PostgreSQL role for the running service that owns nothing: it reads and writes the
rows the service needs, only reads and appends to the history and the audit log, and
cannot truncate, disable triggers, change the schema or set
``session_replication_role`` (PostgreSQL allows that to superusers only). The tables
stay with the owner, who runs the migrations."""

from __future__ import annotations

import re

from workflow.core.errors import BadInput
from workflow.db.engine import current_engine, is_sqlite, transaction
from workflow.db.raw import raw

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = ("history", "audit_log")


def grants(role: str, database: str) -> list[str]:
    """The statements that make ``role`` what the service needs and no more."""
    r, db = f'"{role}"', f'"{database}"'
    return [
        f"ALTER ROLE {r} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"REVOKE UPDATE, DELETE ON {', '.join(APPEND_ONLY)} FROM {r}",
        # piccolo's record of applied migrations: read (readiness), written by the owner.
        f"REVOKE INSERT, UPDATE, DELETE ON migration FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        # Tables a later migration adds are usable at once; run this again to narrow them.
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]


def check_request(role: str) -> None:
    """Refuse, before anything is done, a role name or a database this is not for."""
    if not NAME.match(role):
        raise BadInput("the role name: lower-case letters, digits and _, e.g. workflow_app")
    if is_sqlite(current_engine()):
        raise BadInput("runtime roles are for PostgreSQL; SQLite has no users")


async def ensure_runtime_role(role: str, password: str | None) -> bool:
    """Create ``role`` (or bring an existing one up to date); returns whether it was
    created. Run as the tables' owner, after ``workflow migrate``."""
    check_request(role)
    async with transaction():
        exists = await raw("SELECT 1 FROM pg_roles WHERE rolname = {}", role)
        [database] = await raw("SELECT current_database() AS name")
        if not exists:
            await raw(f'CREATE ROLE "{role}" LOGIN')
        if password:
            # A parameter cannot stand in a utility statement: quote it as a literal.
            literal = password.replace("'", "''")
            await raw(f"ALTER ROLE \"{role}\" PASSWORD '{literal}'")
        for statement in grants(role, database["name"]):
            await raw(statement)
    return not exists
