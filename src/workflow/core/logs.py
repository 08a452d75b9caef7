"""Logging that keeps personal data out: the access log names the path, never the query
string (searches and filters carry names, e-mail addresses and phone numbers).

``WORKFLOW_LOG_FORMAT=json`` writes one JSON object a line (time, level, logger,
message, the request's correlation id; for an error, the exception's class): for log
shippers. Never a request body: nothing here logs one, and an error is logged by its
class and stack frames, never its message (database errors quote row values).
"""

from __future__ import annotations

import copy
import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from uvicorn.config import LOGGING_CONFIG

# The request's correlation id (also in its audit entries and a 500's answer).
CORRELATION_ID: ContextVar[str] = ContextVar("correlation_id", default="")


class DropQueryString(logging.Filter):
    """For uvicorn's access log, whose arguments are (client, method, path, version,
    status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": CORRELATION_ID.get() or None,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the class, never the message
        return json.dumps(entry, ensure_ascii=False)


def uvicorn_log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's own logging configuration with the access log filtered, the service's
    loggers on the same handler, in ``text`` or ``json``."""

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": "workflow.core.logs.DropQueryString"}
    config["handlers"]["access"]["filters"] = ["no_query"]
    config["loggers"]["workflow"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if log_format == "json":
        for name in ("default", "access"):
            config["formatters"][name] = {"()": "workflow.core.logs.JsonLines"}
        # Everything else (piccolo, litestar) too: the app then configures no logging.
        config["root"] = {"handlers": ["default"], "level": "INFO"}
    return config
