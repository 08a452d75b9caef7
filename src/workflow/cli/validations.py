"""``workflow registry ...`` and ``workflow validations ...``: loading the local
producer registry and the sweeps a scheduler (or an operator) runs for NPN validation."""

from __future__ import annotations

import argparse
import codecs
import sys
from datetime import UTC, datetime

from workflow.cli.common import run_job as _run
from workflow.core.errors import BadInput
from workflow.db import migrate
from workflow.validations.registry_file import (
    load_registry,
    parse_registry_csv,
    read_registry_file,
    sample_csv,
)
from workflow.validations.role_reminders import send_role_reminders
from workflow.validations.support import escalate_breached, retry_unavailable


def cmd_registry_load(args: argparse.Namespace) -> int:
    if args.sample == bool(args.file):
        print("error: give a CSV FILE or --sample (not both)", file=sys.stderr)
        return 2
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        print(f"error: --encoding {args.encoding}: no such encoding", file=sys.stderr)
        return 2
    try:
        text = sample_csv() if args.sample else read_registry_file(args.file, args.encoding)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except BadInput as exc:
        print(f"error: {args.file}: {exc.detail}", file=sys.stderr)
        return 2

    async def job() -> None:
        await migrate()
        print(await load_registry(parse_registry_csv(text), replace=args.replace))

    return _run(job)


def cmd_validations_retry(args: argparse.Namespace) -> int:
    async def job() -> None:
        print(f"retried: {await retry_unavailable(datetime.now(UTC))}")

    return _run(job)


def cmd_validations_remind_roles(args: argparse.Namespace) -> int:
    async def job() -> None:
        sent = await send_role_reminders(datetime.now(UTC))
        print(f"role reminders written: {sent}")

    return _run(job)


def cmd_validations_escalate(args: argparse.Namespace) -> int:
    async def job() -> None:
        print(f"SLA breached: {await escalate_breached(datetime.now(UTC))}")

    return _run(job)


def add_commands(sub: argparse._SubParsersAction) -> None:
    registry = sub.add_parser("registry", help="the local producer registry").add_subparsers(
        dest="registry_command", required=True
    )
    load = registry.add_parser(
        "load",
        help="load producers from a CSV file (columns: npn, first_name, last_name, state, "
        "license_number, license_status, lines_of_authority)",
    )
    load.add_argument("file", nargs="?", help="the CSV file")
    load.add_argument("--sample", action="store_true", help="load the shipped sample registry")
    load.add_argument(
        "--replace", action="store_true", help="also remove NPNs the file does not list"
    )
    load.add_argument(
        "--encoding",
        default="utf-8",
        help="the file's text encoding (default utf-8; cp1252 for a plain 'CSV' saved by "
        "Excel on Windows)",
    )
    load.set_defaults(func=cmd_registry_load)

    validations = sub.add_parser("validations", help="NPN validation sweeps").add_subparsers(
        dest="validations_command", required=True
    )
    retry = validations.add_parser(
        "retry", help="validate again every NPN whose registry look-up failed"
    )
    retry.set_defaults(func=cmd_validations_retry)
    remind = validations.add_parser(
        "remind-roles",
        help="remind valid brokers still 'Not an Agent Broker' to choose a role "
        "(at most once per WORKFLOW_ROLE_REMINDER_DAYS)",
    )
    remind.set_defaults(func=cmd_validations_remind_roles)
    escalate = validations.add_parser(
        "escalate-breached", help="open a support case for failures past the SLA limit"
    )
    escalate.set_defaults(func=cmd_validations_escalate)
