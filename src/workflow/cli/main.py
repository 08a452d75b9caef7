"""The ``workflow`` command: serve, migrate, users, demo, diagrams, registry, validations."""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from datetime import date
from pathlib import Path

import asyncpg

from workflow.accounts import login
from workflow.accounts import management as users
from workflow.accounts.service import NewUser, create_user
from workflow.cli.common import run_job as _run
from workflow.cli.serve import add_command as add_serve_command
from workflow.cli.sweep import run_sweep
from workflow.cli.training import add_commands as add_training_commands
from workflow.cli.validations import add_commands as add_validation_commands
from workflow.core.principal import Principal
from workflow.core.roles import SIGN_IN
from workflow.core.settings import get_settings
from workflow.db import migrate
from workflow.db.engine import UnsupportedDatabaseUrl
from workflow.demo.loader import load_demo
from workflow.diagrams import GraphvizUnavailable, differences, expected_files, write_files
from workflow.messaging.outbox import deliver_due, requeue_failed
from workflow.registry import MACHINES


def cmd_migrate(args: argparse.Namespace) -> int:
    async def job() -> None:
        report = await migrate(quiet=True)
        print(report if args.verbose else "migrations applied")

    return _run(job)


def cmd_users_create(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        created = await create_user(
            NewUser(
                username=args.username,
                role=args.role,
                email=args.email,
                assister_id=args.assister_id,
                organization_id=args.organization_id,
                full_name=args.full_name,
                phone=args.phone,
                address=args.address,
            )
        )
        print(f"created {created.role} {created.username} (user {created.user_id})")
        if created.consumer_id is not None:
            print(f"consumer record {created.consumer_id}")
        print(f"password: {created.password}")
        print(created.token)

    return _run(job)


def _cli_actor():
    return Principal(user_id=None, username="cli", role="admin")


def cmd_users_revoke_token(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        if args.token:
            token_id = await users.revoke_token_value(args.token, _cli_actor())
            print(f"revoked token {token_id}")
        else:
            user_id = await users.user_id_for(args.user)
            count = await users.revoke_everything(user_id)
            print(f"revoked {count} token(s) of {args.user} and ended their sessions")

    return _run(job)


def cmd_users_token(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        user_id = await users.user_id_for(args.username)
        token = await users.new_token(user_id, args.label, args.ttl_days, _cli_actor())
        print(f"new token for {args.username}:")
        print(token)

    return _run(job)


def cmd_users_unlock(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        await login.unlock(args.username, _cli_actor())
        print(f"unlocked {args.username}")

    return _run(job)


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        await users.deactivate(await users.user_id_for(args.username), _cli_actor())
        print(f"deactivated {args.username}: tokens revoked, sessions ended")

    return _run(job)


def cmd_demo(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        # Loading it twice would duplicate every demo person: the second run says so.
        print(await load_demo(skip_if_present=True))

    return _run(job)


def cmd_sweep(args: argparse.Namespace) -> int:
    today = get_settings().today()
    if args.as_of and args.as_of > today and not args.dry_run:
        # A mistyped year would lapse the whole roster: the future is for --dry-run only.
        print(
            f"error: --as-of {args.as_of} is after today ({today}); add --dry-run to see what "
            "that day would change",
            file=sys.stderr,
        )
        return 2
    return _run(lambda: run_sweep(args.as_of, args.dry_run))


def cmd_outbox(args: argparse.Namespace) -> int:
    async def job() -> None:
        await migrate()
        if args.retry_failed:
            print(f"requeued {len(await requeue_failed())} failed message(s)")
        while True:
            report = await deliver_due()
            print(
                f"sent {len(report.sent)}, retrying {len(report.retrying)}, "
                f"failed {len(report.failed)}"
            )
            for message_id, error in {**report.retrying, **report.failed}.items():
                print(f"  message {message_id}: {error}")
            if args.once or not report.sent:
                return

    return _run(job)


def cmd_diagrams(args: argparse.Namespace) -> int:
    """Needs no database: the diagrams are drawn from the machine declarations."""

    try:
        files = expected_files(MACHINES)
    except GraphvizUnavailable as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.check:
        problems = differences(out, files)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `make diagrams` and commit the result", file=sys.stderr)
        return 1 if problems else 0
    changed = write_files(out, files)
    print(f"{out}: {len(files)} files, {len(changed)} changed {' '.join(changed)}".rstrip())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    add_serve_command(sub)

    mig = sub.add_parser("migrate", help="apply pending migrations")
    mig.add_argument("--verbose", action="store_true")
    mig.set_defaults(func=cmd_migrate)

    users = sub.add_parser("users", help="manage logins").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a user; prints its API token last")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in SIGN_IN])
    create.add_argument("--assister-id", type=int)
    create.add_argument("--organization-id", type=int)
    create.add_argument("--email")
    create.add_argument("--full-name", help="consumer: the name assisters see (default: username)")
    create.add_argument("--phone", help="consumer: phone number")
    create.add_argument("--address", help="consumer: postal address")
    create.set_defaults(func=cmd_users_create)

    revoke = users.add_parser("revoke-token", help="revoke a token, or all of a user's")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token", help="the token value to revoke")
    which.add_argument("--user", help="revoke every token of this username, end sessions")
    revoke.set_defaults(func=cmd_users_revoke_token)

    token = users.add_parser("token", help="issue a new API token; prints it last")
    token.add_argument("username")
    token.add_argument("--label", default="issued with the CLI")
    token.add_argument("--ttl-days", type=int, help="default: WORKFLOW_TOKEN_TTL_DAYS")
    token.set_defaults(func=cmd_users_token)

    unlock = users.add_parser("unlock", help="lift a lockout after failed sign-ins")
    unlock.add_argument("username")
    unlock.set_defaults(func=cmd_users_unlock)

    deactivate = users.add_parser("deactivate", help="stop a login at once (tokens, sessions)")
    deactivate.add_argument("username")
    deactivate.set_defaults(func=cmd_users_deactivate)

    demo = sub.add_parser("demo", help="load demo organisations and assisters with history")
    demo.set_defaults(func=cmd_demo)

    sweep = sub.add_parser("sweep", help="apply the calendar's rules: lapses, reminders, expiry")
    sweep.add_argument("--as-of", type=date.fromisoformat, help="the day to sweep for (YYYY-MM-DD)")
    sweep.add_argument("--dry-run", action="store_true", help="list what would change")
    sweep.set_defaults(func=cmd_sweep)

    out = sub.add_parser("outbox", help="e-mail pending mailbox messages (SMTP settings)")
    out.add_argument("--once", action="store_true", help="one batch only")
    out.add_argument(
        "--retry-failed", action="store_true", help="first put failed messages back in the queue"
    )
    out.set_defaults(func=cmd_outbox)

    diagrams = sub.add_parser("diagrams", help="write every machine's state diagrams")
    diagrams.add_argument("--out", default="state_diagrams", help="folder (default: %(default)s)")
    diagrams.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming files that differ"
    )
    diagrams.set_defaults(func=cmd_diagrams)
    add_validation_commands(sub)
    add_training_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:
        problem = database_problem(exc)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return 2


def database_problem(exc: Exception) -> str | None:
    """One line for an operator when the database cannot be used, instead of a traceback."""

    url = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", get_settings().database_url)
    if isinstance(exc, UnsupportedDatabaseUrl):
        return str(exc)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"the database in {url} does not exist: create it (createdb) or fix the URL"
    if isinstance(
        exc,
        OSError | asyncpg.PostgresConnectionError | asyncpg.InvalidAuthorizationSpecificationError,
    ):
        return f"cannot reach the database at {url} ({exc}): start it or fix WORKFLOW_DATABASE_URL"
    if isinstance(exc, sqlite3.OperationalError):
        return f"cannot use the SQLite database {url} ({exc}): {sqlite_cause(url, exc)}"
    return None


def sqlite_cause(url: str, exc: Exception) -> str:
    """What is really wrong with the SQLite file's place: the message SQLite gives
    ("unable to open database file") fits a missing folder, a read-only one and more."""
    path = Path(url.removeprefix("sqlite:///"))
    folder = path.parent if str(path.parent) else Path(".")
    text = str(exc).lower()
    if "disk is full" in text or "disk i/o" in text:
        return f"the disk holding {folder} is full or failing; free space there"
    if not folder.is_dir():
        return f"the folder {folder} does not exist; create it or fix WORKFLOW_DATABASE_URL"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} is read-only for this user; make it writable"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the folder {folder} is read-only for this user (or on a read-only file "
            "system); SQLite writes the database and its journal there: make it writable "
            "or point WORKFLOW_DATABASE_URL at a writable place"
        )
    if "readonly" in text or "read-only" in text:
        return f"the file system holding {path} is read-only; mount it read-write"
    return "check the file is a SQLite database and this user may read and write it"


if __name__ == "__main__":
    sys.exit(main())
