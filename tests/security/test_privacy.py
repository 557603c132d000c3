"""AVG/NEN 7513 (ASVS 5.0 V14, V16): reading a candidate's plan is logged with ids only and
shown to JoB and administrators (404 for others); everything about a candidate can be
exported; erasure replaces the personal data everywhere, down to the database file's
bytes, while the audit trail still verifies."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import insert, select

from engine.spec import SYSTEM_ACTOR
from engine.store.models import OutboxMessage, ReadAccess
from tests.company_steps import CompanySteps as CompanyServices
from tests.plan_steps import PlanSteps as PlanServices
from webui.cli import main
from workflows.domain.roles import JOB
from workflows.storage.models import Candidate
from workflows.usecases.privacy import PrivacyServices

PLAN_CASE, CANDIDATE = 2, 1  # demo: Daan Verhoeven's plan at Bakkerij De Korenaar
NAME = "Verhoeven"
CANARY = "CANARY-DIAGNOSE-7f3a"


def _svc(app):
    return app.extensions["jobtraject"]


def _reads(app) -> list[ReadAccess]:
    with _svc(app).db.read() as s:
        return list(s.scalars(select(ReadAccess).order_by(ReadAccess.id)))


def _cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _sanne(app):
    from engine.spec import Actor
    from engine.store.models import User

    with _svc(app).db.read() as s:
        u = s.scalars(select(User).where(User.email == "sanne@job.example")).one()
        return Actor(u.id, u.role, u.organisation_id, u.name)


def test_opening_a_plan_logs_who_read_whose_data_with_ids_only(client, auth, app):
    auth.login("marieke@korenaar.example")
    assert client.get(f"/zaken/{PLAN_CASE}", follow_redirects=True).status_code == 200
    rows = _reads(app)
    assert rows and {(r.subject_id, r.case_id, r.role, r.user_id is not None) for r in rows} == {
        (CANDIDATE, PLAN_CASE, "opdrachtgever", True)}
    assert {r.what for r in rows} <= {"zaak", "plan"}
    PlanServices(_svc(app)).plan_overview(_sanne(app), PLAN_CASE)
    last = _reads(app)[-1]
    assert (last.subject_id, last.case_id, last.what, last.role) == (CANDIDATE, PLAN_CASE, "plan", JOB)
    # Company trajectories (no candidate's record) and refused reads are not logged.
    before = len(_reads(app))
    client.get("/zaken/1", follow_redirects=True)
    client.get("/zaken/5", follow_redirects=True)
    assert len(_reads(app)) == before


def test_the_read_log_is_for_job_and_admins_only(client, auth, app):
    auth.login("marieke@korenaar.example")
    client.get(f"/zaken/{PLAN_CASE}", follow_redirects=True)
    assert client.get(f"/kandidaten/{CANDIDATE}/inzage").status_code == 404
    assert client.get(f"/kandidaten/{CANDIDATE}/gegevens.json").status_code == 404
    client.post("/logout", data={"csrf_token": auth.csrf("/account")})
    auth.login("sanne@job.example")
    page = client.get(f"/kandidaten/{CANDIDATE}/inzage")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Marieke Jansen" in html and "zaak geopend" in html
    assert client.get("/kandidaten/424242/inzage").status_code == 404
    # JoB may not erase; only administrators can.
    assert client.post(f"/kandidaten/{CANDIDATE}/wissen",
                       data={"confirm": "WISSEN", "csrf_token": auth.csrf("/account")}).status_code == 404


def test_export_holds_everything_about_the_candidate_and_is_logged(client, auth, app):
    PlanServices(_svc(app)).update_document(_sanne(app), PLAN_CASE, coaching_need=f"{CANARY}: rustige werkplek")
    auth.login("sanne@job.example")
    r = client.get(f"/kandidaten/{CANDIDATE}/gegevens.json")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    data = json.loads(r.get_data(as_text=True))
    assert data["candidate"]["last_name"] == NAME and data["candidate"]["email"]
    assert data["plans"][0]["case"]["id"] == PLAN_CASE
    assert data["plans"][0]["plan_document"][0]["coaching_need"].startswith(CANARY)
    assert data["company_trajectories"][0]["case_id"] == 1
    assert "Noor" not in json.dumps(data)  # the other candidate of the same company
    assert _reads(app)[-1].what == "export"
    result = _cli(app, "candidate", "export", str(CANDIDATE))
    assert result.exit_code == 0 and json.loads(result.output)["candidate"]["first_name"] == "Daan"


def _plant_canaries(app) -> None:
    """Daan's name and a diagnosis in every kind of place personal text can end up."""
    svc, sanne = _svc(app), _sanne(app)
    plans = PlanServices(svc)
    plans.update_document(sanne, PLAN_CASE, coaching_need=f"Daan {NAME}: {CANARY}",
                          onboarding_programme=f"Rustig starten ({CANARY})")
    plans.add_goal(sanne, PLAN_CASE, specific=f"{CANARY} zelfstandig deeg afwegen", measure=f"{NAME} weegt 5 keer",
                   target_date=date(2027, 2, 1), owner="kandidaat")
    with svc.db.write() as s:
        s.execute(insert(OutboxMessage), [{
            "created_at": svc.clock.now(), "to_user_id": None, "to_addr": "x@example.nl",
            "subject": f"Over Daan {NAME}", "body_text": f"Daan {NAME}", "body_html": None,
            "message_id": "<canary@jobtraject>", "dedupe_key": None, "status": "pending", "attempts": 0,
            "next_attempt_at": svc.clock.now()}])


def _file_bytes(app) -> bytes:
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_erasure_removes_the_name_everywhere_down_to_the_file_bytes_and_audit_still_verifies(client, auth, app):
    _plant_canaries(app)
    svc = _svc(app)
    assert _cli(app, "audit", "verify").exit_code == 0
    # The plan's free text is sealed from the start; the hand-made mail holds the name in clear.
    assert NAME.encode() in _file_bytes(app) and CANARY.encode() not in _file_bytes(app)
    auth.login("beheer@job.example")
    r = client.post(f"/kandidaten/{CANDIDATE}/wissen", data={"confirm": "WISSEN", "csrf_token": auth.csrf("/account")})
    assert r.status_code == 409 and "lopend trajectplan" in r.get_data(as_text=True)  # plan still running
    result = _cli(app, "candidate", "erase", str(CANDIDATE), "--even-if-running")
    assert result.exit_code == 0, result.output
    raw = _file_bytes(app)
    for secret in (NAME, CANARY, "daan.verhoeven@example.nl"):
        assert secret.encode() not in raw, secret
    with svc.db.read() as s:
        cand = s.get(Candidate, CANDIDATE)
        assert (cand.display_name, cand.date_of_birth, cand.email) == ("Kandidaat #1", None, None)
    verify = _cli(app, "audit", "verify")
    assert verify.exit_code == 0 and "OK" in verify.output, verify.output
    page = client.get(f"/kandidaten/{CANDIDATE}/inzage").get_data(as_text=True)
    assert "Kandidaat #1" in page and NAME not in page


def test_erasure_redacts_free_text_in_the_audit_trail_and_keeps_the_chain(app):
    svc, sanne = _svc(app), _sanne(app)
    # A person's free text reaches the audit trail as a transition's reason (UI "Reden", API).
    svc.fire_trigger(sanne, PLAN_CASE, "pause", {"reason": "ziekte"}, reason=f"Daan {NAME} {CANARY}")
    assert CANARY.encode() in _file_bytes(app)
    PrivacyServices(svc).erase(SYSTEM_ACTOR, CANDIDATE, allow_running=True)
    assert CANARY.encode() not in _file_bytes(app) and NAME.encode() not in _file_bytes(app)
    assert _cli(app, "audit", "verify").exit_code == 0


def test_erase_expired_erases_after_the_retention_period_once(app):
    svc = _svc(app)
    privacy = PrivacyServices(svc)
    never_placed = CompanyServices(svc).register_candidate(_sanne(app), first_name="Eva", last_name="Zandbergen")
    assert privacy.erase_expired(SYSTEM_ACTOR, timedelta(days=730)) == []
    svc.clock.advance(timedelta(days=3 * 365))
    done = privacy.erase_expired(SYSTEM_ACTOR, timedelta(days=730))
    # Daan and Noor have running plans, the others are candidates in open trajectories.
    assert [r.candidate_id for r in done] == [never_placed]
    assert b"Zandbergen" not in _file_bytes(app)
    assert privacy.erase_expired(SYSTEM_ACTOR, timedelta(days=730)) == []
    result = _cli(app, "candidate", "erase-expired")
    assert result.exit_code == 0 and result.output.startswith("0 ")


def test_the_scheduler_runs_the_retention_sweep_daily(app):
    from engine.jobs.scheduler import build_scheduler
    from webui.scheduling import build_sweeps

    svc = _svc(app)
    gone = CompanyServices(svc).register_candidate(_sanne(app), first_name="Ruben", last_name="Oudhof")
    sweeps = build_sweeps(app)
    try:
        scheduler = build_scheduler(sweeps)
        job = {j.id: j for j in scheduler.get_jobs()}["retention"]
        assert job.trigger.interval == timedelta(days=1)
        svc.clock.advance(timedelta(days=3 * 365))
        assert sweeps.daily_tick("retention") == 1
    finally:
        sweeps.shutdown()
    with svc.db.read() as s:
        assert s.get(Candidate, gone).erased_at is not None
