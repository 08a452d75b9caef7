"""Random sequences of events fired at assisters and associations through the HTTP API of a
live ``workflow serve``; after every step the database must agree with a simple model:

- one state per case, the one the API last reported, reached through the machine's own
  history (each row starts where the previous one ended; the count matches the events
  the model saw applied), with the version bumped once per applied event;
- at most one confirmed assister per consumer: the one the consumer confirmed last.

Hypothesis drives the steps; examples are derandomized so CI repeats the same runs."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.server import running_server
from workflow.accounts.service import NewUser, create_user
from workflow.assisters.machine import AssisterState
from workflow.associations.machine import AssociationState

ASSISTER_EVENTS = ["complete_training", "record_exam", "register", "activate", "lapse",
                   "deactivate", "reinstate"]  # fmt: skip


class Database:
    """Synchronous reads of the server's database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.conn.row_factory = sqlite3.Row
        else:
            self.loop = asyncio.new_event_loop()
            self.conn = self.loop.run_until_complete(asyncpg.connect(url))

    def rows(self, sql: str) -> list[dict]:
        if self.sqlite:
            return [dict(r) for r in self.conn.execute(sql).fetchall()]
        return [dict(r) for r in self.loop.run_until_complete(self.conn.fetch(sql))]

    def close(self):
        if self.sqlite:
            self.conn.close()
        else:
            self.loop.run_until_complete(self.conn.close())
            self.loop.close()


@dataclass
class Case:
    state: str
    version: int = 1
    events: int = 1  # history rows, ``create`` included
    consumer: int | None = None  # associations only


@dataclass
class World:
    url: str
    admin: dict
    support: dict
    consumers: list[tuple[dict, int]]
    org: int
    db_url: str
    db: Database | None = None  # opened in the thread that runs the steps
    assisters: dict[int, Case] = field(default_factory=dict)
    associations: dict[int, Case] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)  # what the run exercised


class ApiMachine(RuleBasedStateMachine):
    world: World  # set by the test before the run

    assister_ids = Bundle("assisters")
    association_ids = Bundle("associations")

    def __init__(self):
        super().__init__()
        self.http = httpx.Client(base_url=self.world.url, timeout=30)

    def teardown(self):
        self.http.close()

    # --- assisters ----------------------------------------------------------------------
    @rule(target=assister_ids)
    def onboard(self):
        w = self.world
        body = {"kind": "navigator", "name": "Stateful Tester", "organization_id": w.org,
                "email": f"{uuid.uuid4().hex[:10]}@example.org"}  # fmt: skip
        r = self.http.post("/assisters", json=body, headers=w.admin)
        assert r.status_code == 201, r.text
        w.assisters[r.json()["id"]] = Case(state="onboarded")
        return r.json()["id"]

    @rule(target=assister_ids)
    def onboard_active(self):
        aid = self.onboard()
        self.walk_to_active(aid)
        return aid

    @rule(aid=assister_ids, event=st.sampled_from(ASSISTER_EVENTS), score=st.integers(0, 100))
    def fire(self, aid, event, score):
        data = {"record_exam": {"score": score}, "register": {"agreements": ["individual"]}}
        body = {"reason": "stateful test", "data": data.get(event, {})}
        if event == "activate":
            body["data"] = self._activation(aid)
        r = self.http.post(f"/assisters/{aid}/events/{event}", json=body, headers=self.world.admin)
        self._applied(self.world.assisters[aid], r)

    @rule(aid=assister_ids)
    def walk_to_active(self, aid):
        for event, data in [("complete_training", {}), ("record_exam", {"score": 95}),
                            ("register", {"agreements": ["individual"]})]:  # fmt: skip
            r = self.http.post(f"/assisters/{aid}/events/{event}", json={"data": data},
                               headers=self.world.admin)  # fmt: skip
            self._applied(self.world.assisters[aid], r)
        body = {"data": self._activation(aid)}
        r = self.http.post(f"/assisters/{aid}/events/activate", json=body, headers=self.world.admin)
        self._applied(self.world.assisters[aid], r)

    def _activation(self, aid) -> dict:
        """The number as the activation e-mail carries it (staff see it masked in the API)."""
        rows = self.world.db.rows(
            f"SELECT body FROM messages WHERE assister = {int(aid)} "
            "AND body LIKE '%Registration Number:%' ORDER BY id DESC"
        )
        record = self.http.get(f"/assisters/{aid}", headers=self.world.admin).json()
        found = re.search(r"Registration Number: (\S+)", rows[0]["body"]) if rows else None
        number = found.group(1) if found else "NONE-NONE-NONE"
        return {"registration_number": number, "email": record["email"]}

    def _applied(self, case: Case, r: httpx.Response) -> None:
        """The model follows what the API said: applied (200, or 422 with ``recorded``)
        means one more history row and version; any refusal means nothing changed."""
        assert r.status_code < 500, r.text
        body = r.json()
        if r.status_code == 200 or body.get("recorded"):
            case.state, case.version, case.events = body["state"], body["version"], case.events + 1
            self.world.seen["applied"] += 1
        else:
            assert r.status_code in (400, 404, 409, 422), r.text

    # --- associations ---------------------------------------------------------------------
    @rule(target=association_ids, aid=assister_ids, who=st.integers(0, 1))
    def request(self, aid, who):
        headers, consumer_id = self.world.consumers[who]
        record = self.http.get(f"/assisters/{aid}", headers=self.world.admin).json()
        r = self.http.post("/associations", json={"reference_number": record["reference_number"]},
                           headers=headers)  # fmt: skip
        assert r.status_code in (200, 201, 409, 422), r.text
        if r.status_code == 201:
            self.world.associations[r.json()["id"]] = Case("requested", consumer=consumer_id)
        return r.json().get("id", -1) if r.status_code in (200, 201) else -1

    @rule(assoc=association_ids)
    def confirm(self, assoc):
        case = self.world.associations.get(assoc)
        if case is None:
            return
        r = self.http.post(f"/associations/{assoc}/events/confirm", json={},
                           headers=self._consumer(case))  # fmt: skip
        if r.status_code == 200:
            # One assister at a time: every other open association of the consumer ends.
            for other_id, other in self.world.associations.items():
                if other_id != assoc and other.consumer == case.consumer and other.state in (
                    "requested", "confirmed"
                ):  # fmt: skip
                    other.state, other.version, other.events = (
                        "disassociated", other.version + 1, other.events + 1
                    )  # fmt: skip
                    self.world.seen["replaced"] += 1
            self.world.seen["confirmed"] += 1
        self._applied(case, r)

    @rule(assoc=association_ids, by_support=st.booleans())
    def disassociate(self, assoc, by_support):
        case = self.world.associations.get(assoc)
        if case is None:
            return
        headers = self.world.support if by_support else self._consumer(case)
        r = self.http.post(f"/associations/{assoc}/events/disassociate",
                           json={"reason": "stateful test"}, headers=headers)  # fmt: skip
        self._applied(case, r)

    def _consumer(self, case: Case) -> dict:
        return next(h for h, cid in self.world.consumers if cid == case.consumer)

    # --- what must always hold --------------------------------------------------------------
    @invariant()
    def database_agrees_with_the_model(self):
        w = self.world
        for table, machine, cases, states in (
            ("assisters", "assister", w.assisters, AssisterState),
            ("associations", "association", w.associations, AssociationState),
        ):
            rows = {r["id"]: r for r in w.db.rows(f"SELECT id, state, version FROM {table}")}
            history = w.db.rows(
                "SELECT entity_id, from_state, to_state FROM history "
                f"WHERE machine = '{machine}' ORDER BY id"
            )
            for case_id, case in cases.items():
                row = rows[case_id]
                assert row["state"] in {s.value for s in states}
                assert (row["state"], row["version"]) == (case.state, case.version), (
                    table, case_id, row, case)  # fmt: skip
                chain = [h for h in history if h["entity_id"] == case_id]
                assert len(chain) == case.events, (table, case_id, chain, case)
                assert chain[0]["from_state"] == ""
                for before, after in zip(chain, chain[1:], strict=False):
                    assert after["from_state"] == before["to_state"], (table, case_id, chain)
                assert chain[-1]["to_state"] == row["state"]

    @invariant()
    def one_confirmed_assister_per_consumer(self):
        counts = self.world.db.rows(
            "SELECT consumer, COUNT(*) AS n FROM associations WHERE state = 'confirmed' "
            "GROUP BY consumer"
        )
        assert all(c["n"] == 1 for c in counts), counts
        confirmed = {c.consumer for c in self.world.associations.values() if c.state == "confirmed"}
        assert {c["consumer"] for c in counts} == confirmed


async def test_random_events_keep_the_database_consistent(db):
    def headers(user):
        return {"Authorization": f"Bearer {user.token}"}

    admin = await create_user(NewUser(username="stateful-admin", role="admin"))
    support = await create_user(NewUser(username="stateful-support", role="support"))
    consumers = []
    for i in range(3):
        c = await create_user(NewUser(username=f"consumer-{i}", role="consumer"))
        consumers.append((headers(c), c.consumer_id))
    from workflow.organizations.service import create_organization

    org = await create_organization("Stateful Navigators", "navigator_entity")
    with running_server(db.url) as server:
        world = World(server.url, headers(admin), headers(support), consumers, org["id"], db.url)
        await asyncio.to_thread(_run, world)
    # The run reached the interesting places, not only refusals.
    assert world.seen["applied"] > 50 and world.seen["confirmed"] > 3, world.seen
    assert world.seen["replaced"] > 0, world.seen


def _run(world: World) -> None:
    ApiMachine.world = world
    world.db = Database(world.db_url)
    try:
        _steps()
    finally:
        world.db.close()


def _steps() -> None:
    run_state_machine_as_test(
        ApiMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
