"""Schemathesis against the service's own OpenAPI document, with an admin token, on a real
``workflow serve`` over the demo data: no 500s, no response that breaks its schema and no
status the document does not list, for valid requests (positive) and invalid ones
(negative).

Examples are derandomized so CI is repeatable; ``WORKFLOW_FUZZ_EXAMPLES`` raises the count
for a longer local run."""

from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.server import running_server
from workflow.accounts.service import NewUser, create_user
from workflow.demo.loader import load_demo

EXAMPLES = int(os.environ.get("WORKFLOW_FUZZ_EXAMPLES", "15"))
# status_code_conformance: no answer with a status the operation's entry leaves out.
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# These end the fuzzer's own access when it hits its own user or token id; they are
# covered by tests/e2e/test_tokens_and_users.py.
LOCKS_ITSELF_OUT = ("/tokens/{token_id}/revoke", "/users/{user_id}/deactivate")


def fuzz(base_url: str, token: str) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in LOCKS_ITSELF_OUT:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and _nothing_to_make_invalid(operation):
                continue
            problem = _fuzz_operation(operation, mode, base_url, headers)
            if problem:
                failures.append(f"{operation.label} ({mode.value}): {problem}")
    return failures


SUCCESS = re.compile(r'"[A-Z]+ [^ ]+ HTTP/[\d.]+" 20[01] ')
IDS = re.compile(r"/-?\d+")


def _operation(log_line: str) -> str:
    """``GET /assisters/N`` from an access-log line (ids as N, query left out)."""
    method, path = log_line.split('"')[1].split(" ")[:2]
    return method + " " + IDS.sub("/N", path.split("?")[0])


def _nothing_to_make_invalid(operation) -> bool:
    """A public operation without parameters or body: no request to it can be invalid
    (hypothesis would say the negative strategy is unsatisfiable)."""
    raw = operation.definition.raw
    return not raw.get("parameters") and "requestBody" not in raw and raw.get("security") == []


def _fuzz_operation(operation, mode, base_url, headers) -> str | None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    try:
        run()
    except Exception as exc:  # the failing case and check, reported per operation
        return str(exc)[:2000]
    return None


async def test_no_500s_and_no_schema_breaks(db):
    await load_demo(skip_if_present=False)
    admin = await create_user(NewUser(username="fuzz-admin", role="admin"))
    with running_server(db.url) as server:
        failures = fuzz(server.url, admin.token)
    assert not failures, "\n\n".join(failures)
    # The token worked and the fuzzer got past validation into the handlers.
    # (Counted by operation: the docs pages are no longer operations to pad the count.)
    answered = {_operation(line) for line in server.log if SUCCESS.search(line)}
    assert len(answered) >= 25, f"only {sorted(answered)} answered 2xx"
    assert not [line for line in server.log if '" 500' in line]
