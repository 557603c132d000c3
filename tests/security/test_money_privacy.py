"""A candidate's money rows are theirs under the AVG, on SQLite and PostgreSQL: the export holds
the instruments, closed periods and corrections of their plans (work level and training are in
the plan's data), and erasure takes the reason of a correction while hours and amounts stay."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, text

from engine.clock import FixedClock
from engine.inbox import local_today
from engine.spec import SYSTEM_ACTOR, Actor
from engine.store.db import Base
from engine.store.models import Case, User
from tests.helpers import T0
from webui import create_app
from workflows.demo import load_demo
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_periods
from workflows.storage.money_models import HoursCorrection
from workflows.usecases.privacy import PrivacyServices

CANARY = "CANARY-CORRECTIE-4e7a"


def test_money_rows_are_in_the_export_and_the_reason_of_a_correction_goes_with_the_erasure(db_url):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "TESTING": True}, clock=FixedClock(T0))
    svc = app.extensions["jobtraject"]
    try:
        load_demo(svc)
        with svc.db.read() as s:
            u = s.scalars(select(User).where(User.email == "sanne@job.example")).one()
            case = s.scalars(select(Case).where(Case.workflow == plan.NAME, Case.closed_at.is_(None))
                             .order_by(Case.id)).first()
            candidate = case.data["candidate_id"]
        sanne = Actor(u.id, u.role, u.organisation_id, u.name)
        worked = max(plan.start_date(case.data), local_today(svc.clock.now()) - timedelta(days=1))
        entry_id = svc.perform(sanne, case.id, "log_hours", {"worked_on": worked.isoformat(), "hours": "2",
                                                             "activity": "werkvloer"}).result[0]
        month = hours_periods.month_key(worked)
        svc.clock.set(plan.local_midnight(hours_periods.month_bounds(month)[1] + timedelta(days=2)))
        this_month = hours_periods.month_key(local_today(svc.clock.now()))
        svc.perform(sanne, case.id, "close_period", {"month": month})
        svc.perform(sanne, case.id, "update_instrument", {"kind": "no_riskpolis", "status": "aangevraagd",
                                                          "applied_on": worked.isoformat()})
        svc.perform(sanne, case.id, "set_work_level", {"level": "vrij", "since": case.data["start_date"]})
        svc.perform(sanne, case.id, "correct_hours", {"entry_id": entry_id, "month": this_month, "direction": "eraf",
                                                      "hours": "0,5", "reason": f"Daan Verhoeven {CANARY}"})

        privacy = PrivacyServices(svc)
        exported = next(p for p in privacy.export(sanne, candidate)["plans"] if p["case"]["id"] == case.id)
        assert [r["kind"] for r in exported["placement_instrument"]] == ["no_riskpolis"]
        assert month in [r["month"] for r in exported["hours_period"]]
        [correction] = exported["hours_correction"]
        assert (correction["minutes"], correction["reason"]) == (-30, f"Daan Verhoeven {CANARY}")
        assert exported["case"]["data"]["work_level"]["level"] == "vrij"
        json.dumps(exported)

        privacy.erase(SYSTEM_ACTOR, candidate, allow_running=True)
        dump = []
        with svc.db.read() as s:
            for table in Base.metadata.sorted_tables:
                dump.extend(map(str, s.execute(text(f'SELECT * FROM "{table.name}"')).all()))  # noqa: S608
            [row] = s.scalars(select(HoursCorrection)).all()
        assert CANARY not in "\n".join(dump)
        assert (row.minutes, row.entry_id, row.reason) == (-30, entry_id, "[verwijderd]")  # the accounts stay whole
    finally:
        svc.db.dispose()
