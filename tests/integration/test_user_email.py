"""A user's e-mail address is one plain address: nothing that could add mail headers."""

import pytest

from tests.e2e.test_cli import run_cli
from workflow.accounts.service import NewUser, create_user, valid_email
from workflow.core.errors import BadInput


@pytest.mark.parametrize(
    "address",
    [
        "a@b.c\nBcc: x@y.z",
        "a@b.c\r\nBcc: x@y.z",
        "a@b.c\n",
        "a@b.c, x@y.z",
        "Someone <a@b.c>",
        "a b@c.d",
        "no-at-sign.example.org",
        "a@nodot",
        "a@b.c\x00",
        "x" * 251 + "@b.c",
    ],
)
def test_not_one_plain_address(address):
    assert not valid_email(address)


@pytest.mark.parametrize("address", ["dana@example.org", "d.o'neil+work@mail.example.gov"])
def test_plain_addresses(address):
    assert valid_email(address)


async def test_create_user_refuses_a_header_in_the_address(db):
    with pytest.raises(BadInput) as refused:
        await create_user(NewUser(username="eve", role="support", email="a@b.c\nBcc: x@y.z"))
    assert refused.value.field == "email" and "e-mail address" in refused.value.detail
    created = await create_user(NewUser(username="eve", role="support", email="eve@example.org"))
    assert created.username == "eve"


async def test_cli_refuses_a_header_in_the_address(db):
    done = run_cli(
        db, "users", "create", "mallory", "--role", "admin", "--email", "a@b.c\nBcc: x@y.z"
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: email:") and "e-mail address" in done.stderr
    assert done.stdout == ""
