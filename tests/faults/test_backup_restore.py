"""Backup and restore drill: back up a running system, change it, restore, and check nothing is lost.

`jobtraject backup PATH` / `jobtraject restore PATH --yes` on SQLite (online backup API)
and PostgreSQL (pg_dump / pg_restore). Erasures recorded after the backup are applied
again on restore, so an erased person stays erased.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text, update

from engine.models import Case
from engine.timers import TimerSweep
from tests.faults.harness import assert_nothing_lost, fault_log, web_app
from tests.helpers import make_org, make_user, snapshot
from webui.cli import main
from workflows.roles import JOB

pytestmark = pytest.mark.slow


@pytest.fixture
def app(db_url, clock):
    app = web_app(db_url, clock)
    yield app
    db = app.extensions["jobtraject"].db
    with db.engine.begin() as conn:  # not one of our tables: truncating between tests misses it
        conn.execute(text("DROP TABLE IF EXISTS erasure_log"))
    db.dispose()


def cli(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def make_erasure_log(db) -> None:
    """The table erasure code writes (modelled here: id, the case erased, when)."""
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE erasure_log (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, "
                          "erased_at VARCHAR(40) NOT NULL)"))


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
    svc = app.extensions["jobtraject"]
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    later = (clock.now() + timedelta(days=30)).isoformat()
    case_id = svc.start_case(coach, "evaluation", {"evaluate_at": later, "naam": "Piet"}, organisation_id=org).id
    make_erasure_log(db)
    assert cli(app, "backup", str(tmp_path / "backup.bin")).exit_code == 0

    def erase(session, entries) -> None:
        for entry in entries:
            session.execute(update(Case).where(Case.id == entry["case_id"]).values(data={"gewist": True}))

    with db.write() as s:  # the erasure, after the backup
        s.execute(text("INSERT INTO erasure_log (id, case_id, erased_at) VALUES (1, :c, '2026-11-24')"),
                  {"c": case_id})
        erase(s, [{"case_id": case_id}])

    refused = cli(app, "restore", str(tmp_path / "backup.bin"), "--yes")
    assert refused.exit_code != 0 and "niets teruggezet" in refused.output, "no way to re-apply: refuse"

    app.extensions["jobtraject.erasure_reapply"] = erase
    result = cli(app, "restore", str(tmp_path / "backup.bin"), "--yes")
    assert result.exit_code == 0, result.output
    assert "1 latere wissing(en) opnieuw toegepast" in result.output
    with db.read() as s:
        assert s.scalar(select(Case.data).where(Case.id == case_id)) == {"gewist": True}
        assert s.execute(text("SELECT case_id FROM erasure_log")).scalars().all() == [case_id]
