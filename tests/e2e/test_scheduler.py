"""The jobs inside ``serve``: off by default, on with their interval settings."""

import asyncio
from datetime import date, timedelta

from tests.helpers import fire_ok, new_assister
from tests.server import running_server
from workflow.tables import Assister


async def wait_for_state(assister_id: int, state: str, seconds: float = 20) -> str:
    current = None
    for _ in range(int(seconds * 10)):
        current = (await Assister.select(Assister.state).where(Assister.id == assister_id).first())[
            "state"
        ]
        if current == state:
            break
        await asyncio.sleep(0.1)
    return current


async def test_sweep_runs_inside_serve_only_when_switched_on(client, admin, db):
    a = await new_assister(client, admin)
    await fire_ok(client, admin, a["id"], "complete_training")
    long_ago = date.today() - timedelta(days=800)  # onboarded well before any deadline
    await Assister.update({Assister.onboarded_on: long_ago}).where(Assister.id == a["id"])
    yesterday = date.today() - timedelta(days=1)
    if (yesterday.month, yesterday.day) == (2, 29):  # not a deadline every year has
        yesterday -= timedelta(days=1)
    deadline = {"training_deadline": yesterday.strftime("%m-%d")}  # so the deadline has passed

    with running_server(db.url, **deadline):
        assert await wait_for_state(a["id"], "lapsed", seconds=2) == "trained"  # off
    with running_server(db.url, sweep_interval_minutes="60", **deadline):
        assert await wait_for_state(a["id"], "lapsed") == "lapsed"
