"""Backup and restore drill: back up a running system, change it, restore, and check nothing is lost.

`jobtraject backup PATH` / `jobtraject restore PATH --yes` on SQLite (online backup API)
and PostgreSQL (pg_dump / pg_restore). Erasures recorded after the backup are applied
again on restore, so an erased person stays erased.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine.jobs.timers import TimerSweep
from tests.company_steps import CompanySteps as CompanyServices
from tests.faults.harness import assert_nothing_lost, fault_log, web_app
from tests.helpers import make_org, make_user, snapshot
from webui.cli import main
from workflows.domain.roles import JOB
from workflows.storage.models import Candidate, ErasureLog

pytestmark = pytest.mark.slow


@pytest.fixture
def app(db_url, clock):
    app = web_app(db_url, clock)
    yield app
    app.extensions["jobtraject"].db.dispose()


def cli(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_backup_change_restore_gives_back_exactly_the_backup_and_the_invariants_hold(app, db, clock, tmp_path):
    svc = app.extensions["jobtraject"]
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    ids = [svc.start_case(coach, "evaluation", {"evaluate_at": clock.now().isoformat()}, organisation_id=org).id
           for _ in range(3)]
    TimerSweep(db, svc.registry, clock, worker_id="t").sweep()
    svc.fire_trigger(coach, ids[0], "close")
    backed_up = snapshot(db)

    result = cli(app, "backup", str(tmp_path / "backup.bin"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backup.bin").stat().st_size > 0

    svc.fire_trigger(coach, ids[1], "replan")
    svc.start_case(coach, "evaluation", {}, organisation_id=org)
    assert snapshot(db) != backed_up

    result = cli(app, "restore", str(tmp_path / "backup.bin"), "--yes")
    assert result.exit_code == 0, result.output
    assert "Back-up teruggezet; 0 latere wissing(en) opnieuw toegepast." in result.output
    assert snapshot(db) == backed_up
    # The running app (same process, new connections) carries on with the restored data.
    assert svc.fire_trigger(coach, ids[1], "close").state == "closed"
    fault_log("backup/restore drill", kind=db.dialect, cases=len(ids))
    assert_nothing_lost(db, svc.registry, clock.now(), label=f"backup drill {db.dialect}")


def test_an_erasure_made_after_the_backup_is_applied_again_on_restore(app, db, clock, tmp_path):
    """The AVG erasure itself (jobtraject candidate erase) after the backup; the restore puts
    the person's data back from the backup and erases it again in the same transaction."""
    svc = app.extensions["jobtraject"]
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    kept = CompanyServices(svc).register_candidate(coach, first_name="Anna", last_name="Blijft")
    gone = CompanyServices(svc).register_candidate(coach, first_name="Zwaantje", last_name="Wisselaar")
    assert cli(app, "backup", str(tmp_path / "backup.bin")).exit_code == 0

    erased = cli(app, "candidate", "erase", str(gone))  # after the backup
    assert erased.exit_code == 0, erased.output

    result = cli(app, "restore", str(tmp_path / "backup.bin"), "--yes")
    assert result.exit_code == 0, result.output
    assert "1 latere wissing(en) opnieuw toegepast" in result.output
    with db.read() as s:
        names = {c.id: c.last_name for c in s.scalars(select(Candidate))}  # sealed: opened on load
        assert names[kept] == "Blijft" and names[gone] == f"#{gone}"
        assert s.scalars(select(ErasureLog.candidate_id)).all() == [gone]
    if db.sqlite:  # not in the file's free pages either (restore compacts after re-erasing)
        assert b"Wisselaar" not in Path(db.engine.url.database).read_bytes()
    assert cli(app, "audit", "verify").exit_code == 0
    assert_nothing_lost(db, svc.registry, clock.now(), label=f"restore re-erases {db.dialect}")
