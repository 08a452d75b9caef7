"""Diagrams over HTTP: the machines (public), counts per state (staff), one case's path
(whoever may read the case), and what happens without Graphviz. SQLite and PostgreSQL."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import (
    NAME_MISMATCH,
    fire,
    fire_ok,
    load_sample_registry,
    new_assister,
    new_broker,
    new_org,
    new_user_headers,
    patch_profile,
    walk_to,
)
from workflow.diagrams.service import forget_static_svgs
from workflow.registry import MACHINES
from workflow.tables import Assister

SVG_NS = "{http://www.w3.org/2000/svg}"
COMMITTED = Path(__file__).resolve().parents[2] / "state_diagrams"


def svg_groups(svg: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id"): g for g in root.iter(f"{SVG_NS}g") if g.get("id")}


def texts(group: ET.Element) -> list[str]:
    return [t.text for t in group.iter(f"{SVG_NS}text")]


def classes(group: ET.Element) -> list[str]:
    return group.get("class", "").split()


@pytest.fixture
def no_graphviz(monkeypatch, tmp_path):
    """Graphviz's dot is not on PATH (and nothing drawn earlier is cached)."""
    forget_static_svgs()
    monkeypatch.setenv("PATH", str(tmp_path / "no-graphviz-here"))
    yield
    forget_static_svgs()


async def test_listing_is_public_and_links_every_machine(client, db):
    r = await client.get("/diagrams")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["name"] for i in items] == sorted(MACHINES)
    assister = next(i for i in items if i["name"] == "assister")
    assert assister["states"] == list(MACHINES["assister"].states)
    assert assister["links"] == {
        "svg": "/diagrams/assister.svg",
        "mmd": "/diagrams/assister.mmd",
        "counts_svg": "/diagrams/assister.svg?counts=1",
        "case_svg": "/assisters/{id}/diagram.svg",
        "case_mmd": "/assisters/{id}/diagram.mmd",
    }
    for item in items:
        for link in (item["links"]["svg"], item["links"]["mmd"]):
            assert (await client.get(link)).status_code == 200, link


async def test_a_page_for_people_draws_every_machine(client, db):
    r = await client.get("/diagrams.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for name in MACHINES:
        assert f'<img src="/diagrams/{name}.svg"' in r.text
    assert 'href="/diagrams.html"' in (await client.get("/")).text


async def test_machine_diagrams_are_the_committed_files(client, db):
    for name in MACHINES:
        mmd = await client.get(f"/diagrams/{name}.mmd")
        assert mmd.status_code == 200 and mmd.headers["content-type"].startswith("text/plain")
        assert mmd.content == (COMMITTED / f"{name}.mmd").read_bytes()
        svg = await client.get(f"/diagrams/{name}.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert svg.content == (COMMITTED / f"{name}.svg").read_bytes()
        assert "default-src 'none'" in svg.headers["content-security-policy"]
        groups = svg_groups(svg.content)
        for state in MACHINES[name].states:
            assert texts(groups[f"state-{state}"]) == [state]


async def test_unknown_machine_or_format_is_404(client, db):
    r = await client.get("/diagrams/nope.svg")
    assert r.status_code == 404 and "assister" in r.json()["detail"]
    r = await client.get("/diagrams/assister.png")
    assert r.status_code == 404 and ".mmd" in r.json()["detail"]
    assert (await client.get("/diagrams/nope.mmd?counts=1")).status_code == 404


async def test_a_cases_diagram_marks_its_path_with_counts(client, admin):
    """Trained, then lapsed and retrained three times, with one failed exam."""
    a = await new_assister(client, admin)
    aid = a["id"]
    await fire_ok(client, admin, aid, "complete_training")
    for _ in range(3):
        await fire_ok(client, admin, aid, "lapse")
        await fire_ok(client, admin, aid, "complete_training")
    failed = await fire(client, admin, aid, "record_exam", data={"score": 10})
    assert failed.status_code == 422 and failed.json()["recorded"] is True

    r = await client.get(f"/assisters/{aid}/diagram.svg", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.headers["cache-control"] == "private, no-store"
    groups = svg_groups(r.content)
    assert "current" in classes(groups["state-trained"])
    assert texts(groups["state-trained"]) == ["trained", "(now)"]
    assert "visited" in classes(groups["state-lapsed"])
    assert "visited" in classes(groups["state-onboarded"])
    assert "visited" not in classes(groups["state-active"])
    taken = {
        gid.removeprefix("edge-"): texts(g)[0] for gid, g in groups.items() if "taken" in classes(g)
    }
    assert taken == {
        "start-onboarded": "×1",
        "onboarded-trained-complete_training": "complete_training ×1",
        "trained-lapsed-lapse": "lapse ×3",
        "lapsed-trained-complete_training": "complete_training ×3",
        "trained-trained-complete_training-record_exam-record_optional_course": "complete_training",
    }
    loop = groups["edge-trained-trained-complete_training-record_exam-record_optional_course"]
    # one loop, every event
    assert texts(loop) == ["complete_training", "record_exam ×1", "record_optional_course"]
    assert texts(groups["edge-exam_passed-lapsed-lapse"]) == ["lapse"]  # not taken: no count

    mmd = await client.get(f"/assisters/{aid}/diagram.mmd", headers=admin)
    assert mmd.status_code == 200
    assert "  trained --> lapsed : lapse ×3\n" in mmd.text
    assert "  lapsed --> trained : complete_training ×3\n" in mmd.text
    assert "  class trained current\n" in mmd.text
    assert re.search(r"class (\w+,)*lapsed(,\w+)* visited", mmd.text)


async def test_a_cases_diagram_is_for_whoever_may_read_the_case(client, admin):
    org = await new_org(client, admin)
    mine = await new_assister(client, admin, organization_id=org)
    other = await new_assister(client, admin, email="other@example.org")
    me = await new_user_headers("assister", assister_id=mine["id"])
    agency = await new_user_headers("agency_admin", organization_id=org)
    support = await new_user_headers("support")
    for headers in (me, agency, support, admin):
        assert (
            await client.get(f"/assisters/{mine['id']}/diagram.svg", headers=headers)
        ).status_code == 200
    for headers in (me, agency):  # not theirs: as if it did not exist
        r = await client.get(f"/assisters/{other['id']}/diagram.svg", headers=headers)
        assert r.status_code == 404 and "not found" in r.json()["detail"]
        r = await client.get(f"/assisters/{other['id']}/diagram.mmd", headers=headers)
        assert r.status_code == 404
    consumer = await new_user_headers("consumer")
    assert (
        await client.get(f"/assisters/{mine['id']}/diagram.svg", headers=consumer)
    ).status_code == 403
    assert (await client.get(f"/assisters/{mine['id']}/diagram.svg")).status_code == 401
    assert (await client.get("/assisters/999999/diagram.svg", headers=admin)).status_code == 404


async def test_counts_label_each_state_with_the_cases_in_it_now(client, admin):
    org = await new_org(client, admin)
    for target in ["onboarded", "onboarded", "trained", "trained", "trained", "exam_passed"]:
        await walk_to(client, admin, await new_assister(client, admin, organization_id=org), target)
    lapsed = await walk_to(
        client, admin, await new_assister(client, admin, organization_id=org), "trained"
    )
    await fire_ok(client, admin, lapsed["id"], "lapse")
    expected = Counter(r["state"] for r in await Assister.select(Assister.state))
    assert expected == {"onboarded": 2, "trained": 3, "exam_passed": 1, "lapsed": 1}

    support = await new_user_headers("support")
    r = await client.get("/diagrams/assister.svg?counts=1", headers=support)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    groups = svg_groups(r.content)
    for state in MACHINES["assister"].states:
        n = expected.get(state, 0)
        assert texts(groups[f"state-{state}"]) == [state, f"{n} case" + ("" if n == 1 else "s")]
    mmd = await client.get("/diagrams/assister.mmd?counts=1", headers=admin)
    assert 'state "trained (3)" as trained' in mmd.text
    assert 'state "active (0)" as active' in mmd.text


async def test_counts_are_for_staff_only(client, admin):
    a = await new_assister(client, admin)
    r = await client.get("/diagrams/assister.svg?counts=1")
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]
    r = await client.get(
        "/diagrams/assister.svg?counts=1", headers={"Authorization": "Bearer wf_x"}
    )
    assert r.status_code == 401 and "invalid" in r.json()["detail"]
    for role, kw in [("assister", {"assister_id": a["id"]}), ("consumer", {})]:
        r = await client.get(
            "/diagrams/assister.svg?counts=1", headers=await new_user_headers(role, **kw)
        )
        assert r.status_code == 403 and "admin, support" in r.json()["detail"]
    assert (await client.get("/diagrams/assister.svg?counts=0")).status_code == 200


async def test_without_graphviz_svg_is_503_saying_what_to_install_and_mermaid_works(
    client, admin, no_graphviz
):
    a = await new_assister(client, admin)
    for url in [
        "/diagrams/assister.svg",
        "/diagrams/assister.svg?counts=1",
        f"/assisters/{a['id']}/diagram.svg",
    ]:
        r = await client.get(url, headers=admin)
        assert r.status_code == 503, url
        assert "apt-get install graphviz" in r.json()["detail"] and ".mmd" in r.json()["detail"]
    assert (await client.get("/diagrams/assister.mmd")).status_code == 200
    assert (await client.get(f"/assisters/{a['id']}/diagram.mmd", headers=admin)).status_code == 200


async def test_static_svg_is_drawn_once_per_process(client, db, monkeypatch, tmp_path):
    forget_static_svgs()
    first = await client.get("/diagrams/assister.svg")
    assert first.status_code == 200
    monkeypatch.setenv("PATH", str(tmp_path))  # Graphviz gone: the drawn SVG is kept
    again = await client.get("/diagrams/assister.svg")
    assert again.status_code == 200 and again.content == first.content
    forget_static_svgs()
    assert (await client.get("/diagrams/assister.svg")).status_code == 503


async def test_home_page_links_the_diagrams(client, db):
    home = await client.get("/")
    for name in MACHINES:
        assert f'href="/diagrams/{name}.svg"' in home.text
        assert f'href="/diagrams/{name}.mmd"' in home.text
    assert 'href="/diagrams.html"' in home.text


async def test_the_route_factory_serves_any_path_and_maps_the_id(db, admin, monkeypatch):
    """What a new case kind gets: case_diagram_routes draws it at the kind's path. Here the
    path carries an assister's Reference Number, and the kind's locate maps it to the
    case's id."""
    import dataclasses

    import httpx

    from workflow import app as app_module
    from workflow.assisters.binding import ASSISTER_CASE
    from workflow.core.errors import NotFound
    from workflow.diagrams.api import case_diagram_routes

    async def by_reference(number: int, actor) -> int:
        row = await Assister.select(Assister.id).where(Assister.reference_number == str(number))
        if not row:
            raise NotFound(f"no assister with Reference Number {number}")
        return row[0]["id"]

    by_number = dataclasses.replace(
        ASSISTER_CASE, path="/by-reference/{number}", roles=("admin",), locate=by_reference
    )
    extra = case_diagram_routes(by_number)
    monkeypatch.setattr(app_module, "ROUTE_HANDLERS", [*app_module.ROUTE_HANDLERS, *extra])
    transport = httpx.ASGITransport(app=app_module.create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        a = await walk_to(client, admin, await new_assister(client, admin), "trained")
        r = await client.get(f"/by-reference/{a['reference_number']}/diagram.svg", headers=admin)
        assert r.status_code == 200
        assert "current" in classes(svg_groups(r.content)["state-trained"])
        mmd = await client.get(f"/by-reference/{a['reference_number']}/diagram.mmd", headers=admin)
        assert "  onboarded --> trained : complete_training ×1\n" in mmd.text
        assert (await client.get("/by-reference/1/diagram.svg", headers=admin)).status_code == 404
        support = await new_user_headers("support")
        r = await client.get(f"/by-reference/{a['reference_number']}/diagram.svg", headers=support)
        assert r.status_code == 403  # this route declared admin only
        links = (await client.get("/diagrams")).json()["items"][0]["links"]
        assert links["case_svg"] == "/assisters/{id}/diagram.svg"  # first by path, stable


async def test_association_and_exemption_cases_have_diagrams(client, admin):
    from tests.helpers import active_assister, associate, new_consumer

    consumer, _ = await new_consumer()
    assoc = await associate(client, consumer, await active_assister(client, admin))
    r = await client.get(f"/associations/{assoc['id']}/diagram.mmd", headers=consumer)
    assert r.status_code == 200
    assert "class confirmed current" in r.text
    assert "requested --> confirmed : confirm ×1" in r.text
    stranger, _ = await new_consumer(name="Someone Else")
    assert (
        await client.get(f"/associations/{assoc['id']}/diagram.svg", headers=stranger)
    ).status_code == 404

    org = await new_org(client, admin)
    ex = await client.post(
        f"/organizations/{org}/exemptions",
        json={"justification": "We mostly help with Medicaid applications."},
        headers=admin,
    )
    r = await client.get(f"/exemptions/{ex.json()['id']}/diagram.mmd", headers=admin)
    assert r.status_code == 200 and "class requested current" in r.text


async def test_a_cases_diagram_dashes_what_the_machine_refuses_now(client, admin):
    """A broker whose NPN does not match the registry, at exam_passed: ``register`` is
    refused now (the same list as the read's ``blocked_events``), so its arrow is dashed
    with the guard's words as tooltip; the arrows it may take stay solid."""
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await fire_ok(client, admin, broker["id"], "complete_training")
    await fire_ok(client, admin, broker["id"], "record_exam", data={"score": 90})
    read = (await client.get(f"/assisters/{broker['id']}", headers=admin)).json()
    (blocked,) = read["blocked_events"]
    assert blocked["event"] == "register"

    r = await client.get(f"/assisters/{broker['id']}/diagram.svg", headers=admin)
    assert r.status_code == 200
    groups = svg_groups(r.content)
    edge = groups["edge-exam_passed-registered-register-blocked"]
    assert "blocked" in classes(edge)
    assert texts(edge) == ["register", "(refused now)"]
    titles = [x.get("{http://www.w3.org/1999/xlink}title") for x in edge.iter(f"{SVG_NS}a")]
    assert any(blocked["reason"] in (t or "") for t in titles)
    assert "edge-exam_passed-registered-register" not in groups  # no solid twin
    assert "blocked" not in classes(groups["edge-exam_passed-lapsed-lapse"])
    mmd = await client.get(f"/assisters/{broker['id']}/diagram.mmd", headers=admin)
    assert "  exam_passed --> registered : register (refused now)\n" in mmd.text

    # A navigator at the same step may register: nothing dashed.
    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    r = await client.get(f"/assisters/{a['id']}/diagram.svg", headers=admin)
    assert not [g for g in svg_groups(r.content).values() if "blocked" in classes(g)]
