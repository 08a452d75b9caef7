"""Schemathesis against the service's own OpenAPI document, with an admin token, on a real
``workflow serve`` over the demo data: no 500s and no response that breaks its schema,
for valid requests (positive) and invalid ones (negative).

Examples are derandomized so CI is repeatable; ``WORKFLOW_FUZZ_EXAMPLES`` raises the count
for a longer local run."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.server import running_server
from workflow.accounts.service import NewUser, create_user
from workflow.demo.loader import load_demo

EXAMPLES = int(os.environ.get("WORKFLOW_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, response_schema_conformance]
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
            problem = _fuzz_operation(operation, mode, base_url, headers)
            if problem:
                failures.append(f"{operation.label} ({mode.value}): {problem}")
    return failures


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
    answered = [line for line in server.log if '" 200' in line or '" 201' in line]
    assert len(answered) > 300, f"only {len(answered)} successful requests"
    assert not [line for line in server.log if '" 500' in line]
