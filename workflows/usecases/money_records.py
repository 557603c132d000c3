"""The rows the plan's money actions write (instruments, closed periods), in the action's own
transaction (see `engine.perform`), and the reads the pages share with them.

Like `workflows.usecases.plan_records`: each recorder gets the clean payload and the locked
plan, writes its rows and returns the transition's payload (ids, categories and dates).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import InvalidPayload
from engine.perform import Recorder, Unit
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_periods, instruments
from workflows.domain.rules import CoachingRules
from workflows.storage.money_models import HoursPeriod, PlacementInstrument
from workflows.usecases.plan_records import coaching_rows, rules_of


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def update_instrument(u: Unit) -> dict[str, Any]:
    """One instrument's status, dates and amount; the whole instrument as the form shows it."""
    p, s = u.payload, u.session
    errors = instruments.check_change(p, rules_of(s))
    if errors:
        raise InvalidPayload(errors)
    row = s.scalars(select(PlacementInstrument).where(PlacementInstrument.plan_case_id == u.case.id,
                                                      PlacementInstrument.kind == p["kind"])).first()
    if row is None:
        row = PlacementInstrument(plan_case_id=u.case.id, kind=p["kind"])
        s.add(row)
    row.status = p["status"]
    for key in instruments.DATE_FIELDS:
        setattr(row, key, _day(p.get(key)))
    row.amount_eur = Decimal(p["amount_eur"]) if p.get("amount_eur") is not None else None
    row.updated_at, row.updated_by_id = u.now, u.actor.user_id
    try:
        s.flush()
    except IntegrityError as exc:  # the same instrument added at the same moment elsewhere
        raise InvalidPayload({"kind": "Dit instrument is net door iemand anders vastgelegd."}) from exc
    u.result = row.id
    return {"instrument_id": row.id, "kind": p["kind"], "status": p["status"],
            "has_amount": row.amount_eur is not None, **{k: p[k] for k in instruments.DATE_FIELDS if p.get(k)}}


def close_period(u: Unit) -> dict[str, Any]:
    """The month's statement as it stands is kept with the period (what was handed over)."""
    month = u.payload["month"]
    st = statement_for(u.session, u.case.data, u.case.id, month, rules_of(u.session))
    row = HoursPeriod(plan_case_id=u.case.id, month=month, minutes=sum(ln.entry.minutes for ln in st.lines),
                      hours=st.hours, billable=st.billable, uwv_hours=st.uwv_hours, cost_eur=st.cost_eur,
                      uwv_eur=st.uwv_eur, closed_at=u.now, closed_by_id=u.actor.user_id)
    u.session.add(row)
    try:
        u.session.flush()
    except IntegrityError as exc:
        raise InvalidPayload({"month": "Deze periode is al afgesloten."}) from exc
    u.result = row.id
    return {"month": month, "period_id": row.id}


# -- reads shared with the pages ------------------------------------------------------------


def statement_entries(s: Session, case_id: int) -> list[hours_periods.Entry]:
    """The plan's hour entries for its statements (the same rows the plan page reads: once a page)."""
    return [hours_periods.Entry(r.id, r.worked_on, r.minutes, r.activity, r.coach_name)
            for r in coaching_rows(s, case_id)]


def statement_for(s: Session, data: dict[str, Any], case_id: int, month: str, rules: CoachingRules,
                  entries: list[hours_periods.Entry] | None = None) -> hours_periods.Statement:
    return hours_periods.statement(
        month, statement_entries(s, case_id) if entries is None else entries, start=plan.start_date(data),
        contract_hours=Decimal(str(data["contract_hours"])),
        proefplaatsing_months=plan.schedule_value(data, "proefplaatsing_months"), rules=rules,
        closed=month in (data.get("closed_periods") or []))


MONEY_RECORDERS: dict[str, Recorder] = {"update_instrument": update_instrument, "close_period": close_period}
