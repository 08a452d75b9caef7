"""Logging that keeps personal data out: the access log names the path, never the query
string (searches and filters carry names, e-mail addresses and phone numbers)."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG


class DropQueryString(logging.Filter):
    """For uvicorn's access log, whose arguments are (client, method, path, version,
    status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the access log filtered."""

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": "workflow.core.logs.DropQueryString"}
    config["handlers"]["access"]["filters"] = ["no_query"]
    return config
