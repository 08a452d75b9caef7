"""The one-time Registration Number in the activation message is the assister's: they
read it in their own mailbox and the outbox e-mails it, but staff never see it, neither
through the API's mailbox route nor in the admin's Messages table."""

from __future__ import annotations

from tests.admin.helpers import signed_in
from tests.helpers import latest_registration_number, new_assister, walk_to


async def _registered(client, admin) -> tuple[dict, str]:
    a = await walk_to(client, admin, await new_assister(client, admin), "registered")
    return a, await latest_registration_number(client, admin, a["id"])  # from the outbox


async def test_staff_read_the_mailbox_with_the_number_masked(client, admin, make_user):
    a, number = await _registered(client, admin)
    own = await make_user("assister", assister_id=a["id"])
    support = await make_user("support")
    url = f"/assisters/{a['id']}/messages"
    for staff in (admin, support):
        body = (await client.get(url, headers=staff)).json()["items"][0]["body"]
        assert number not in body and "Registration Number: ••••-••••-••••" in body
        assert a["reference_number"] in body  # the rest of the message is readable
    mine = (await client.get(url, headers=own)).json()["items"][0]["body"]
    assert f"Registration Number: {number}" in mine


async def test_the_admin_messages_table_has_no_body(web, client, admin):
    a, number = await _registered(client, admin)
    await signed_in(web, "support")
    listed = await web.get("/admin/api/tables/messages/")
    assert listed.status_code == 200 and listed.json()["rows"]
    row = listed.json()["rows"][0]
    assert row["template"] == "activation" and row["subject"]
    one = await web.get(f"/admin/api/tables/messages/{row['id']}/")
    asked = await web.get("/admin/api/tables/messages/?__visible_fields=id,body")
    schema = (await web.get("/admin/api/tables/messages/schema/")).json()
    assert "body" not in schema["properties"]
    for answer in (listed, one, asked):
        assert number not in answer.text
