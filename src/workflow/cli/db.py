"""``workflow db runtime-role NAME``: the PostgreSQL role the service should run as."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from workflow.cli.common import run_job
from workflow.core.errors import MachineError
from workflow.db import migrate
from workflow.db.runtime_role import check_request, ensure_runtime_role


def cmd_runtime_role(args: argparse.Namespace) -> int:
    try:
        check_request(args.name)  # before connecting, let alone migrating
    except MachineError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    password = os.environ.get(args.password_env) if args.password_env else None
    if args.password_env and not password:
        print(f"error: {args.password_env} is empty or not set", file=sys.stderr)
        return 2

    async def job() -> None:
        await migrate()  # as the owner: the grants cover every table there is
        chosen = password or None
        created = await ensure_runtime_role(args.name, chosen)
        if created and chosen is None:
            chosen = secrets.token_urlsafe(24)
            await ensure_runtime_role(args.name, chosen)
            print(f"created role {args.name}; its password (shown once): {chosen}")
        else:
            print(f"{'created' if created else 'updated'} role {args.name}")
        print(
            "run the service with WORKFLOW_DATABASE_URL=postgresql://"
            f"{args.name}:PASSWORD@HOST:PORT/DB; keep migrating as the owner, then run this "
            "again"
        )

    return run_job(job)


def add_commands(sub) -> None:
    db = sub.add_parser("db", help="database administration").add_subparsers(
        dest="db_command", required=True
    )
    role = db.add_parser(
        "runtime-role",
        help="create or update the PostgreSQL role the service runs as (owns no tables; "
        "history and audit log: read and append only)",
    )
    role.add_argument("name")
    role.add_argument(
        "--password-env", help="take the role's password from this environment variable"
    )
    role.set_defaults(func=cmd_runtime_role)
