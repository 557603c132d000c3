"""Personal data never reaches a log line or a mail (ASVS 5.0 V16.2.5, V14.2; AVG art. 5/32).

A candidate with canary values (a unique name and e-mail address, a diagnosis in the plan
text) goes through registration, a plan, hours, page views, an export, timers,
reminders, escalations and digests, with mail through a real SMTP server. Every log record
of every logger at DEBUG (SQL statements at INFO) and every mail is searched for the
canaries. A BSN typed into a free-text field is refused and stored nowhere.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import InvalidPayload
from engine.spec import Actor
from engine.store.models import User
from tests.company_steps import CompanySteps as CompanyServices
from tests.conftest import demo_app
from tests.hire import hire_into_plan
from tests.plan_steps import PlanSteps as PlanServices
from tests.security.conftest import Auth
from webui.scheduling import build_sweeps
from workflows.domain.security import BSN_MESSAGE

FIRST, LAST = "Canarina", "Zwaluwstaart-7f3a"
EMAIL = "canarina.zwaluwstaart@example.nl"
DIAGNOSIS = "CANARY-DIAGNOSE-autismespectrum-7f3a"
BSN = "123456782"
CANARIES = (FIRST, LAST, EMAIL, DIAGNOSIS, BSN, "Zwaluwstaart")


def _actor(svc, email: str) -> Actor:
    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
        return Actor(u.id, u.role, u.organisation_id, u.name)


def _leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c.lower() in (text or "").lower()]


@pytest.fixture
def mail_app(tmp_path, demo_db_file, smtp_server):
    app = demo_app(tmp_path, demo_db_file, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                   BASE_URL="http://jobtraject.test")
    yield app
    app.extensions["jobtraject"].db.dispose()


def test_a_candidates_personal_data_never_reaches_a_log_line_or_a_mail(mail_app, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "waitress", "jobtraject", "apscheduler", "engine", "workflows", "webui"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every SQL statement (DEBUG adds rows)
    app = mail_app
    svc = app.extensions["jobtraject"]
    sanne, ahmed = _actor(svc, "sanne@job.example"), _actor(svc, "ahmed@job.example")
    cid = CompanyServices(svc).register_candidate(ahmed, first_name=FIRST, last_name=LAST, email=EMAIL,
                                                  date_of_birth="2000-01-01", target_group="wajong",
                                                  in_doelgroepregister=True, register_checked_on="2026-11-01")
    plans = PlanServices(svc)
    plan = hire_into_plan(svc, "Tuincentrum De Bongerd", cid, start_date=date(2026, 11, 23))
    with pytest.raises(InvalidPayload) as refused:
        plans.update_document(sanne, plan.id, coaching_need=f"BSN {BSN}, {DIAGNOSIS}")
    assert BSN_MESSAGE in refused.value.errors.values()
    plans.update_document(sanne, plan.id, coaching_need=f"{FIRST} {LAST}: {DIAGNOSIS}",
                          onboarding_programme=f"Rustig inwerken ({DIAGNOSIS})")
    plans.add_goal(sanne, plan.id, specific=f"{FIRST} weegt deeg zelfstandig af ({DIAGNOSIS})",
                   measure=f"{LAST} doet het 5 keer goed", target_date=date(2027, 2, 1), owner="kandidaat")
    plans.log_hours(sanne, plan.id, worked_on=date(2026, 11, 23), hours=3, activity="werkvloer",
                    note=f"{FIRST} had een goede dag ({DIAGNOSIS})")

    # People look at the plan, the case page, the read log and the export.
    client = app.test_client()
    auth = Auth(client)
    auth.login("sanne@job.example")
    for path in (f"/zaken/{plan.id}", f"/kandidaten/{cid}/inzage", f"/kandidaten/{cid}/gegevens.json", "/"):
        assert client.get(path, follow_redirects=True).status_code == 200, path
    Auth(app.test_client()).login(EMAIL, "verkeerd wachtwoord 123")  # a failed login with the address
    plans.plan_overview(sanne, plan.id)

    # Weeks pass: timers fire, reminders, escalations and digests go out by SMTP.
    sweeps = build_sweeps(app)
    try:
        for _ in range(8):
            sweeps.run_once()
            svc.clock.advance(timedelta(days=5))
        sweeps.run_once()
    finally:
        sweeps.shutdown()

    mails = smtp_server.messages
    assert len(mails) >= 5, "the scenario should have sent reminders and digests"
    leaked_mail = [(m.message["Subject"], _leaks(m.everything)) for m in mails if _leaks(m.everything)]
    assert not leaked_mail, leaked_mail
    assert caplog.records, "logging should have captured something"
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    leaked_log = []
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        if _leaks(text):
            leaked_log.append(f"{record.name}: {text[:200]}")
    assert not leaked_log, leaked_log
    # The refused BSN was stored nowhere.
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                               if path.with_name(path.name + "-wal").exists() else b"")
    assert BSN.encode() not in raw
