"""``workflow registry load`` and ``workflow validations ...`` as real processes."""

from datetime import UTC, datetime, timedelta

from tests.e2e.test_cli import run_cli
from tests.helpers import (
    NAME_MISMATCH,
    NO_LICENSE,
    VALID,
    DownRegistry,
    new_broker,
    patch_profile,
)
from workflow.core.principal import SYSTEM
from workflow.tables import Message, NpnValidation, ProducerRecord
from workflow.validations.registry import use_registry
from workflow.validations.service import revalidate


async def test_registry_load_sample_then_a_file_with_replace(db, tmp_path):
    done = run_cli(db, "registry", "load", "--sample")
    assert done.returncode == 0, done.stderr
    assert "record(s) loaded" in done.stdout
    count = await ProducerRecord.count()
    assert count >= 13
    extract = tmp_path / "extract.csv"
    extract.write_text(
        "npn,first_name,last_name,state,license_number,license_status,lines_of_authority\n"
        f"{VALID[0]},Dana,Whitfield,OR,,inactive,Health:active\n"
    )
    done = run_cli(db, "registry", "load", str(extract), "--replace")
    assert done.returncode == 0, done.stderr
    assert f"1 record(s) loaded, {count - 1} removed" in done.stdout
    rows = await ProducerRecord.select(ProducerRecord.npn, ProducerRecord.license_status)
    assert rows == [{"npn": VALID[0], "license_status": "inactive"}]


async def test_registry_load_refuses_a_bad_file_whole(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "npn,first_name,last_name,state,license_number,license_status,lines_of_authority\n"
        "1234567,Ana,Torres,OR,,active,Health:active\n"
        "12ab,Ben,Okafor,OR,,active,Health:active\n"
    )
    done = run_cli(db, "registry", "load", str(bad))
    assert done.returncode == 2 and "line 3: npn '12ab'" in done.stderr
    assert await ProducerRecord.count() == 0
    done = run_cli(db, "registry", "load", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "cannot read" in done.stderr
    assert run_cli(db, "registry", "load").returncode == 2


async def test_registry_load_says_which_encoding_it_expects(db, tmp_path):
    excel = tmp_path / "excel.csv"  # Excel's plain "CSV" on Windows: Windows-1252
    excel.write_bytes(
        "npn,first_name,last_name,state,license_number,license_status,lines_of_authority\n"
        "13307715,María José,Núñez,CA,0M88321,active,Health:active\n".encode("cp1252")
    )
    done = run_cli(db, "registry", "load", str(excel))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "line 2 is not valid utf-8 (byte 0xED); nothing loaded" in done.stderr
    assert "CSV UTF-8" in done.stderr and "--encoding cp1252" in done.stderr
    assert await ProducerRecord.count() == 0
    done = run_cli(db, "registry", "load", str(excel), "--encoding", "cp1252")
    assert done.returncode == 0, done.stderr
    row = await ProducerRecord.select().first()
    assert (row["first_name"], row["last_name"]) == ("María José", "Núñez")
    done = run_cli(db, "registry", "load", str(excel), "--encoding", "klingon")
    assert done.returncode == 2 and "no such encoding" in done.stderr


async def test_validation_sweeps(client, admin, db):
    run_cli(db, "registry", "load", "--sample")
    unreachable = await new_broker(client, admin, VALID)
    misnamed = await new_broker(client, admin, NAME_MISMATCH)
    unlicensed = await new_broker(client, admin, NO_LICENSE)  # theirs to fix: no case
    long_ago = datetime.now(UTC) - timedelta(days=40)
    with use_registry(DownRegistry()):
        await revalidate(unreachable["id"], SYSTEM, now=long_ago)
    await revalidate(misnamed["id"], SYSTEM, now=long_ago)
    await revalidate(unlicensed["id"], SYSTEM, now=long_ago)
    done = run_cli(db, "validations", "retry")
    assert done.returncode == 0, done.stderr
    assert "retried: 1 validation(s): 1 valid" in done.stdout
    done = run_cli(db, "validations", "escalate-breached")
    assert done.returncode == 0, done.stderr
    assert "1 validation(s): 1 escalated" in done.stdout
    states = await NpnValidation.select(NpnValidation.assister, NpnValidation.state)
    assert {r["assister"]: r["state"] for r in states} == {
        unreachable["id"]: "valid",
        misnamed["id"]: "escalated",
        unlicensed["id"]: "no_license",
    }
    await patch_profile(client, admin, unreachable["id"], marketplace_role="not_agent_broker")
    done = run_cli(db, "validations", "remind-roles")
    assert done.returncode == 0 and "role reminders written: 1" in done.stdout
    assert run_cli(db, "validations", "remind-roles").stdout.strip().endswith("written: 0")
    assert await Message.count() == 1


async def test_demo_has_brokers_in_every_validation_outcome(client, db):
    from workflow.tables import Assister, History

    done = run_cli(db, "demo")
    assert done.returncode == 0, done.stderr
    assert "producers in the registry" in done.stdout
    statuses = {r["npn_status"] for r in await Assister.select().where(Assister.kind == "broker")}
    assert statuses == {
        "valid",
        "npn_mismatch",
        "escalated",
        "no_license",
        "no_health_loa",
        "loa_inactive",
        "registry_unavailable",
    }
    cases = await NpnValidation.select(NpnValidation.id, NpnValidation.version)
    for case in cases:  # one history row per applied event, like every machine
        rows = await History.count().where(
            (History.machine == "npn_validation") & (History.entity_id == case["id"])
        )
        assert rows == case["version"]
    # Kofi Asante, Lucia Romero and María José Núñez (the Spanish-speaking broker)
    assert (await client.get("/registration-list")).json()["total"] == 3
    queue = (await client.get("/support/validations", headers=await _support())).json()
    assert queue["total"] == 7 and queue["items"][0]["sla"] == "breached"
    reminders = await Message.count().where(Message.template == "choose_agent_broker_role")
    assert reminders == 1


async def _support():
    from tests.helpers import new_user_headers

    return await new_user_headers("support")
