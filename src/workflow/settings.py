"""One frozen settings object, read from the environment (prefix ``WORKFLOW_``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything an operator may tune. Numbers that the domain leaves open live here."""

    database_url: str = DEFAULT_DATABASE_URL
    # Development mode relaxes cookie flags; production is the default.
    development: bool = False
    exam_pass_mark: int = 80
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
    business_timezone: str = "America/New_York"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
            development=_env_bool("DEVELOPMENT", False),
            exam_pass_mark=_env_int("EXAM_PASS_MARK", 80),
            reference_number_digits=_env_int("REFERENCE_NUMBER_DIGITS", 7),
            default_page_size=_env_int("DEFAULT_PAGE_SIZE", 50),
            max_page_size=_env_int("MAX_PAGE_SIZE", 500),
            request_max_body_bytes=_env_int("REQUEST_MAX_BODY_BYTES", 1024 * 1024),
            registry_timeout_seconds=_env_float("REGISTRY_TIMEOUT_SECONDS", 5.0),
            registry_retry_minutes=_env_int("REGISTRY_RETRY_MINUTES", 15),
            validation_sla_due_business_days=_env_int("VALIDATION_SLA_DUE_BUSINESS_DAYS", 5),
            validation_sla_breach_business_days=_env_int("VALIDATION_SLA_BREACH_BUSINESS_DAYS", 7),
            role_reminder_days=_env_int("ROLE_REMINDER_DAYS", 3),
            business_timezone=_env("BUSINESS_TIMEZONE", "America/New_York"),
        )

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.business_timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise SystemExit(
                f"WORKFLOW_BUSINESS_TIMEZONE must be a time zone like America/New_York, "
                f"got {self.business_timezone!r}"
            ) from None

    def describe(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
