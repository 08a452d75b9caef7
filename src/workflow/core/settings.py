"""One frozen settings object, read from the environment (prefix ``WORKFLOW_``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from workflow.core.training_year import Calendar, CourseKind

DEFAULT_DATABASE_URL = "sqlite:///workflow.sqlite"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WORKFLOW_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"WORKFLOW_{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"WORKFLOW_{name} must be a number, got {raw!r}") from exc


def _env_ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = _env(name, ",".join(map(str, default)))
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SystemExit(
            f"WORKFLOW_{name} must be numbers separated by commas, got {raw!r}"
        ) from exc


def _env_month_day(name: str, default: str) -> tuple[int, int]:
    raw = _env(name, default)
    try:
        month, day = (int(part) for part in raw.split("-"))
        date(2001, month, day)
    except ValueError as exc:
        raise SystemExit(f"WORKFLOW_{name} must be MM-DD, e.g. 10-31, got {raw!r}") from exc
    return month, day


def _env_pass_marks(default_mark: int) -> tuple[tuple[str, int], ...]:
    """``full=80,refresher=80,overview=80``: the exam pass mark (percent) per course kind;
    kinds left out get WORKFLOW_EXAM_PASS_MARK."""
    marks = dict.fromkeys(CourseKind, default_mark)
    raw = _env("EXAM_PASS_MARKS", "")
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kind, _, mark = part.partition("=")
        if kind.strip() not in marks or not mark.strip().isdigit() or int(mark) > 100:
            raise SystemExit(
                "WORKFLOW_EXAM_PASS_MARKS must be course=percent pairs separated by commas "
                f"(courses: {', '.join(CourseKind)}; percent 0-100), got {raw!r}"
            )
        marks[CourseKind(kind.strip())] = int(mark)
    return tuple((str(kind), mark) for kind, mark in marks.items())


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything an operator may tune. Numbers that the domain leaves open live here."""

    database_url: str = DEFAULT_DATABASE_URL
    # SQLite's PRAGMA synchronous: NORMAL (WAL's recommended level) or FULL/EXTRA.
    sqlite_synchronous: str = "NORMAL"
    # Development mode relaxes cookie flags; production is the default.
    development: bool = False
    exam_pass_mark: int = 80  # for course kinds exam_pass_marks leaves out
    # Certification exam pass mark per course kind (DOMAIN: 80% for the Marketplace exam).
    exam_pass_marks: tuple[tuple[str, int], ...] = (
        ("full", 80),
        ("refresher", 80),
        ("overview", 80),
    )
    reference_number_digits: int = 7
    default_page_size: int = 50
    max_page_size: int = 500
    request_max_body_bytes: int = 1024 * 1024
    # NPN validation (issue 4)
    registry_timeout_seconds: float = 5.0
    registry_retry_minutes: int = 15
    validation_sla_due_business_days: int = 5
    validation_sla_breach_business_days: int = 7
    role_reminder_days: int = 3
    # Dates in the program (deadlines, "today" for the sweep) are in this time zone.
    program_timezone: str = "UTC"
    # The training year (DOMAIN.md "The training year").
    training_deadline: tuple[int, int] = (10, 31)
    late_hire_days: int = 60
    reminder_days: tuple[int, ...] = (30, 14, 7)
    refresher_allowed: bool = True
    # The assister-portal access course's own assessment (MNsure: 70%); optional courses
    # never touch certification.
    portal_pass_mark: int = 70
    # Requested associations nobody confirmed end after this many days.
    association_request_expiry_days: int = 30
    # The sweep inside `serve`: 0 = off (run `workflow sweep` from cron instead).
    sweep_interval_minutes: int = 0
    sweep_batch_size: int = 5000
    # Cases a sweep rule must move before their table is vacuumed and analyzed after it.
    sweep_tidy_after: int = 10_000
    # Outgoing e-mail (the outbox worker).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "assister-program@localhost"
    outbox_interval_seconds: int = 0  # the worker inside `serve`: 0 = off
    outbox_max_attempts: int = 12
    outbox_backoff_seconds: int = 30
    outbox_lease_seconds: int = 300  # a claimed message is retried after this if unsent
    smtp_timeout_seconds: int = 30

    # API tokens expire after this many days unless issued otherwise (0: never).
    token_ttl_days: int = 90
    # How long a process trusts a bearer token it has checked before asking the database
    # again: a token revoked in another process stops working within this many seconds.
    token_cache_seconds: float = 5.0
    # Login protection (shared by the admin and the consumer pages).
    login_max_failures: int = 3
    login_failure_window_minutes: int = 120
    login_lockout_minutes: int = 60
    # Consumer associations (issue 3).
    application_lock_minutes: int = 30
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    # Staff sessions in the admin: idle timeout and absolute limit.
    staff_session_idle_minutes: int = 15
    staff_session_max_hours: int = 12
    # Require an authenticator app (TOTP) for admin and support in the admin.
    staff_mfa_required: bool = False
    # Key that encrypts staff authenticator secrets at rest (32 bytes, hex); without it,
    # a key is derived from a file beside the database (see admin/mfa.py).
    mfa_encryption_key: str = ""
    # Host names the admin is served under: over HTTPS its CSRF check requires the
    # request's Origin or Referer to name one of them.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    # Admin sign-in attempts per client address per 5 minutes, counted in the database
    # (every process and host shares the count; the per-account lockout is separate).
    staff_login_rate_limit: int = 20
    # Public forms that send mail or create work, per client address per 5 minutes,
    # counted in the database like the sign-in limit: forgotten password or username
    # (together), and Help On Demand requests.
    recovery_rate_limit: int = 5
    referral_rate_limit: int = 10
    # Help On Demand referrals (issue 18): minutes a broker has to accept an offer, offers
    # before a referral goes to the staff queue, how far a broker may be, and how often
    # `serve` expires offers and offers waiting referrals (0 = off: run `workflow sweep`).
    referral_accept_minutes: int = 15
    referral_max_offers: int = 5
    referral_radius_miles: int = 100
    referral_interval_seconds: int = 60
    # Where people reach the service: links in e-mails (password reset) start with it,
    # never with the Host a request claims.
    public_url: str = "http://localhost:8000"
    # Navigators and CACs need their agency admin's approval on the roster before training.
    roster_approval_required: bool = False
    # A request's headers and body must arrive within this many seconds (issue 16).
    request_timeout_seconds: float = 30.0
    # Logs: "text" (uvicorn's) or "json" (one object a line, for shipping).
    log_format: str = "text"
    # A database that cannot be reached: clients are told to retry after this long.
    unavailable_retry_after_seconds: int = 5

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
            sqlite_synchronous=_env("SQLITE_SYNCHRONOUS", "NORMAL").strip().upper(),
            development=_env_bool("DEVELOPMENT", False),
            exam_pass_mark=_env_int("EXAM_PASS_MARK", 80),
            exam_pass_marks=_env_pass_marks(_env_int("EXAM_PASS_MARK", 80)),
            reference_number_digits=_env_int("REFERENCE_NUMBER_DIGITS", 7),
            default_page_size=_env_int("DEFAULT_PAGE_SIZE", 50),
            max_page_size=_env_int("MAX_PAGE_SIZE", 500),
            request_max_body_bytes=_env_int("REQUEST_MAX_BODY_BYTES", 1024 * 1024),
            registry_timeout_seconds=_env_float("REGISTRY_TIMEOUT_SECONDS", 5.0),
            registry_retry_minutes=_env_int("REGISTRY_RETRY_MINUTES", 15),
            validation_sla_due_business_days=_env_int("VALIDATION_SLA_DUE_BUSINESS_DAYS", 5),
            validation_sla_breach_business_days=_env_int("VALIDATION_SLA_BREACH_BUSINESS_DAYS", 7),
            role_reminder_days=_env_int("ROLE_REMINDER_DAYS", 3),
            program_timezone=_env("PROGRAM_TIMEZONE", "UTC"),
            training_deadline=_env_month_day("TRAINING_DEADLINE", "10-31"),
            late_hire_days=_env_int("LATE_HIRE_DAYS", 60),
            reminder_days=_env_ints("REMINDER_DAYS", (30, 14, 7)),
            refresher_allowed=_env_bool("REFRESHER_ALLOWED", True),
            portal_pass_mark=_env_int("PORTAL_PASS_MARK", 70),
            association_request_expiry_days=_env_int("ASSOCIATION_REQUEST_EXPIRY_DAYS", 30),
            sweep_interval_minutes=_env_int("SWEEP_INTERVAL_MINUTES", 0),
            sweep_batch_size=_env_int("SWEEP_BATCH_SIZE", 5000),
            sweep_tidy_after=_env_int("SWEEP_TIDY_AFTER", 10_000),
            smtp_host=_env("SMTP_HOST", "127.0.0.1"),
            smtp_port=_env_int("SMTP_PORT", 25),
            smtp_username=_env("SMTP_USERNAME", ""),
            smtp_password=_env("SMTP_PASSWORD", ""),
            smtp_starttls=_env_bool("SMTP_STARTTLS", False),
            mail_from=_env("MAIL_FROM", "assister-program@localhost"),
            outbox_interval_seconds=_env_int("OUTBOX_INTERVAL_SECONDS", 0),
            outbox_max_attempts=_env_int("OUTBOX_MAX_ATTEMPTS", 12),
            outbox_backoff_seconds=_env_int("OUTBOX_BACKOFF_SECONDS", 30),
            outbox_lease_seconds=_env_int("OUTBOX_LEASE_SECONDS", 300),
            smtp_timeout_seconds=_env_int("SMTP_TIMEOUT_SECONDS", 30),
            token_ttl_days=_env_int("TOKEN_TTL_DAYS", 90),
            token_cache_seconds=_env_float("TOKEN_CACHE_SECONDS", 5.0),
            login_max_failures=_env_int("LOGIN_MAX_FAILURES", 3),
            login_failure_window_minutes=_env_int("LOGIN_FAILURE_WINDOW_MINUTES", 120),
            login_lockout_minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 60),
            application_lock_minutes=_env_int("APPLICATION_LOCK_MINUTES", 30),
            session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", 60),
            session_max_hours=_env_int("SESSION_MAX_HOURS", 12),
            staff_session_idle_minutes=_env_int("STAFF_SESSION_IDLE_MINUTES", 15),
            staff_session_max_hours=_env_int("STAFF_SESSION_MAX_HOURS", 12),
            staff_mfa_required=_env_bool("STAFF_MFA_REQUIRED", False),
            mfa_encryption_key=_env("MFA_ENCRYPTION_KEY", ""),
            staff_login_rate_limit=_env_int("STAFF_LOGIN_RATE_LIMIT", 20),
            recovery_rate_limit=_env_int("RECOVERY_RATE_LIMIT", 5),
            referral_rate_limit=_env_int("REFERRAL_RATE_LIMIT", 10),
            referral_accept_minutes=_env_int("REFERRAL_ACCEPT_MINUTES", 15),
            referral_max_offers=_env_int("REFERRAL_MAX_OFFERS", 5),
            referral_radius_miles=_env_int("REFERRAL_RADIUS_MILES", 100),
            referral_interval_seconds=_env_int("REFERRAL_INTERVAL_SECONDS", 60),
            public_url=_env("PUBLIC_URL", "http://localhost:8000").rstrip("/"),
            roster_approval_required=_env_bool("ROSTER_APPROVAL_REQUIRED", False),
            request_timeout_seconds=_env_float("REQUEST_TIMEOUT_SECONDS", 30.0),
            log_format=_env("LOG_FORMAT", "text").strip().lower(),
            unavailable_retry_after_seconds=_env_int("UNAVAILABLE_RETRY_AFTER_SECONDS", 5),
            allowed_hosts=tuple(
                h.strip()
                for h in _env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
                if h.strip()
            ),
        )

    def today(self, now: datetime | None = None) -> date:
        """The program's date at ``now`` (deadlines are whole days in its time zone)."""
        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.program_timezone)).date()

    @property
    def pass_marks(self) -> dict[str, int]:
        return dict(self.exam_pass_marks)

    @property
    def calendar(self) -> Calendar:
        month, day = self.training_deadline
        return Calendar(month, day, self.late_hire_days, self.reminder_days)

    def describe(self) -> dict[str, object]:
        hidden = {"smtp_password", "mfa_encryption_key"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
