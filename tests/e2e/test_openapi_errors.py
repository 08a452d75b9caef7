"""The OpenAPI document lists every operation's error answers with the JSON body they
really carry; public operations need no token. (The fuzz test checks that no operation
answers a status its entry leaves out.)"""

from tests.helpers import new_assister
from workflow.web.openapi_errors import ERROR_SCHEMA

WRITES = {"post", "put", "patch", "delete"}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


async def test_every_operation_lists_its_error_answers(client, db):
    document = (await client.get("/schema/openapi.json")).json()
    assert document["components"]["schemas"]["Error"] == ERROR_SCHEMA
    ops = list(operations(document))
    assert len(ops) > 40
    for path, method, operation in ops:
        codes = set(operation["responses"])
        public = operation.get("security") == []
        expected = {"400"} | (set() if public else {"401", "403"})
        names_an_id = any(
            p["in"] == "query" and p["name"].endswith("_id")
            for p in operation.get("parameters", [])
        )
        if "{" in path or method in WRITES or names_an_id:
            expected.add("404")
        if method in WRITES:
            expected |= {"409", "422"}
        assert expected <= codes, (method, path, sorted(codes))
        for code in expected:
            body = operation["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    report = document["paths"]["/reports/assister-of-record.csv"]["get"]["responses"]
    assert "404" in report  # its organization_id may name no organisation
    public = {(p, m) for p, m, o in ops if o.get("security") == []}
    assert ("/health", "get") in public and ("/assisters", "post") not in public
    # the machine diagrams are public, but ?counts=1 asks who is calling; SVGs need dot
    counts = document["paths"]["/diagrams/{file}"]["get"]["responses"]
    assert {"401", "403", "404", "503"} <= set(counts)
    paths = document["paths"]
    assert "503" in paths["/assisters/{assister_id}/diagram.svg"]["get"]["responses"]
    assert "503" not in paths["/assisters/{assister_id}/diagram.mmd"]["get"]["responses"]


async def test_the_documented_bodies_are_what_the_service_sends(client, admin):
    """A 404, 409 and 401 as the service sends them carry the documented fields."""
    required = ERROR_SCHEMA["required"]
    r = await client.get("/assisters/999999", headers=admin)
    assert r.status_code == 404 and all(k in r.json() for k in required)
    a = await new_assister(client, admin)
    r = await client.post(f"/assisters/{a['id']}/events/activate", json={"data": {}}, headers=admin)
    assert r.status_code in (400, 409) and all(k in r.json() for k in required)
    r = await client.get("/assisters")
    assert r.status_code == 401 and all(k in r.json() for k in required)
