"""What the service counts as it works, for ``GET /metrics`` (Prometheus).

Counters and histograms only: with several workers, prometheus-client keeps each
process's values in files under ``PROMETHEUS_MULTIPROC_DIR`` (``serve`` sets it) and the
scrape adds them up. Figures that are facts about the database (the outbox, the
validations' SLA, the last sweep) are read from it at scrape time instead, so every
worker reports the same.

Labels are bounded: route templates (never raw paths), machine and event names the
machines declare, and a handful of refusal classes. No label carries personal data.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from workflow.core import errors as e

REQUESTS = Histogram(
    "workflow_http_request_duration_seconds",
    "HTTP requests by method, route template and status, with their latency",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter(
    "workflow_events_total",
    "Events by machine and event: applied, or refused with the class of the refusal",
    ["machine", "event", "outcome", "reason"],
)

# The refusal classes, most specific first.
REASONS = [
    (e.AttemptRecorded, "guard"),
    (e.StaleVersion, "stale"),
    (e.EventNotAllowed, "not_allowed"),
    (e.GuardRefused, "guard"),
    (e.UnknownEvent, "unknown_event"),
    (e.NotFound, "not_found"),
    (e.Forbidden, "forbidden"),
    (e.BadEventData, "bad_input"),
    (e.BadInput, "bad_input"),
    (e.Conflict, "conflict"),
]


def reason_class(exc: BaseException) -> str:
    return next((name for cls, name in REASONS if isinstance(exc, cls)), "other")


def event_applied(machine: str, event: str, count: int = 1) -> None:
    if count:
        EVENTS.labels(machine, event, "applied", "").inc(count)


def event_refused(machine: str, event: str, exc_or_reason, count: int = 1) -> None:
    reason = exc_or_reason if isinstance(exc_or_reason, str) else reason_class(exc_or_reason)
    if count:
        EVENTS.labels(machine, event, "refused", reason).inc(count)
