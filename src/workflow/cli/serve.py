"""``workflow serve``: migrate, create the first admin if needed, then serve with one or
more worker processes (uvicorn's supervisor), each on the same database.

Nothing a request relies on lives in one worker's memory (sessions, sign-in limits,
lockouts and token revocations are in the database; a bearer token is trusted from a
worker's cache for at most ``WORKFLOW_TOKEN_CACHE_SECONDS``), so workers, or hosts,
may be added freely. Two things must then be shared by configuration, and ``serve``
refuses to start without them rather than let each worker make its own:
the MFA encryption key, and (for metrics) one folder for every worker's counters.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import uvicorn

from workflow.accounts.service import ensure_first_admin
from workflow.cli.common import run_job
from workflow.core.logs import uvicorn_log_config
from workflow.core.settings import Settings, get_settings
from workflow.db import migrate
from workflow.demo.loader import load_demo
from workflow.web.deadline import DeadlineProtocol

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def refusal(settings: Settings, workers: int) -> str | None:
    """Why these settings cannot serve with ``workers`` processes, or ``None``."""
    if workers < 1:
        return "--workers must be at least 1"
    shared = workers > 1 and not settings.database_url.startswith("sqlite")
    if shared and not settings.mfa_encryption_key:
        return (
            "WORKFLOW_MFA_ENCRYPTION_KEY is not set: with several workers on PostgreSQL each "
            "would make its own key file, and staff MFA secrets written by one could not be "
            "read by another (or by the next host). Set it to 64 hex digits, the same for "
            'every worker and host, e.g. python -c "import os; print(os.urandom(32).hex())"'
        )
    return None


def metrics_folder(workers: int) -> None:
    """Several workers count metrics in files of one folder (prometheus-client's
    multiprocess mode); emptied at start so a previous run's counts do not linger."""
    folder = os.environ.get(MULTIPROC_ENV)
    if workers == 1 and not folder:
        return
    if not folder:
        folder = tempfile.mkdtemp(prefix="workflow-metrics-")
        os.environ[MULTIPROC_ENV] = folder
    os.makedirs(folder, exist_ok=True)
    # Only prometheus-client's own files: the folder is the operator's to name.
    for stale in Path(folder).glob("*.db"):
        stale.unlink(missing_ok=True)


def cmd_serve(args: argparse.Namespace) -> int:
    problem = refusal(get_settings(), args.workers)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2

    async def prepare() -> None:
        await migrate()
        first = await ensure_first_admin()
        if first:
            _print_first_admin(first)
        if args.demo:
            print(await load_demo(skip_if_present=True))

    settings = get_settings()
    if not settings.database_url.startswith("sqlite") and not settings.mfa_encryption_key:
        print(
            "warning: WORKFLOW_MFA_ENCRYPTION_KEY is not set: staff MFA secrets are encrypted "
            "with ./mfa.key, which only this process reads; set the key if another process "
            "or host serves this database",
            file=sys.stderr,
        )
    status = run_job(prepare)
    if status:
        return status
    metrics_folder(args.workers)
    workers = f" with {args.workers} workers" if args.workers > 1 else ""
    print(
        f"serving on http://{args.host}:{args.port}/{workers}  (API docs: /schema, admin: /admin/)"
    )
    uvicorn.run(
        "workflow.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http=DeadlineProtocol,
        log_level=args.log_level,
        log_config=uvicorn_log_config(get_settings().log_format),
        # Behind a reverse proxy, trust its X-Forwarded-For only from these addresses.
        forwarded_allow_ips=args.forwarded_allow_ips,
        # A worker importing the app on a busy machine can take seconds to answer the
        # supervisor's ping; uvicorn's 5 s would kill and restart it in a loop.
        timeout_worker_healthcheck=30,
    )
    return 0


def _print_first_admin(first) -> None:
    print("First start: created the admin account. This is shown once; keep it safe.")
    print(f"  username: {first.username}")
    print(f"  password: {first.password}")
    print(f"  API token: {first.token}")


def add_command(sub) -> None:
    serve = sub.add_parser("serve", help="migrate, create the first admin if needed, serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=int(os.environ.get("WORKFLOW_WORKERS", "1")),
        help="worker processes (default: WORKFLOW_WORKERS or 1)",
    )  # fmt: skip
    serve.add_argument("--demo", action="store_true", help="load demo data if there is none")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--forwarded-allow-ips", default="127.0.0.1",
        help="proxies whose X-Forwarded-For is trusted (default: %(default)s)",
    )  # fmt: skip
    serve.set_defaults(func=cmd_serve)
