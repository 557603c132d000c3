"""The rows the plan's money actions write (instruments, closed periods), in the action's own
transaction (see `engine.perform`), and the reads the pages share with them.

Like `workflows.usecases.plan_records`: each recorder gets the clean payload and the locked
plan, writes its rows and returns the transition's payload (ids, categories and dates).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import InvalidPayload
from engine.perform import Recorder, Unit
from engine.store.db import scope_cached
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, hours_periods, instruments
from workflows.domain.rules import Rules
from workflows.storage.money_models import HoursCorrection, HoursPeriod, PlacementInstrument
from workflows.storage.plan_models import CoachingEntry
from workflows.usecases.plan_records import coaching_rows, history_of, rules_of


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def update_instrument(u: Unit) -> dict[str, Any]:
    """One instrument's status, dates and amount; the whole instrument as the form shows it."""
    p, s = u.payload, u.session
    on = _day(p.get("starts_on")) or u.now.astimezone(plan.AMSTERDAM).date()
    errors = instruments.check_change(p, rules_of(s, on))  # the settings valid on the start date
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
    history = history_of(s)
    return {"instrument_id": row.id, "kind": p["kind"], "status": p["status"],
            "has_amount": row.amount_eur is not None, **{k: p[k] for k in instruments.DATE_FIELDS if p.get(k)},
            **instruments.derived_dates(p, history.rules_on)}


def close_period(u: Unit) -> dict[str, Any]:
    """The month's statement as it stands is kept with the period (what was handed over)."""
    month = u.payload["month"]
    st = statement_for(u.session, u.case.data, u.case.id, month, history_of(u.session))
    row = HoursPeriod(plan_case_id=u.case.id, month=month, minutes=sum(ln.minutes for ln in st.lines),
                      hours=st.hours, billable=st.billable, uwv_hours=st.uwv_hours, cost_eur=st.cost_eur,
                      uwv_eur=st.uwv_eur, closed_at=u.now, closed_by_id=u.actor.user_id)
    u.session.add(row)
    try:
        u.session.flush()
    except IntegrityError as exc:
        raise InvalidPayload({"month": "Deze periode is al afgesloten."}) from exc
    u.result = row.id
    return {"month": month, "period_id": row.id}


def correct_hours(u: Unit) -> dict[str, Any]:
    """A counter-entry for an entry of a closed month, booked in a later, open month; its reason
    is sealed with the plan's other free text."""
    p, s, case = u.payload, u.session, u.case
    entry = s.get(CoachingEntry, p["entry_id"])
    if entry is None or entry.plan_case_id != case.id:
        raise InvalidPayload({"entry_id": "Kies een urenregel van dit trajectplan."})
    own = hours_periods.month_key(entry.worked_on)
    if own not in (case.data.get("closed_periods") or []):
        raise InvalidPayload({"entry_id": f"De periode {hours_periods.month_label(own)} is nog open: een correctie "
                                          "is er alleen voor uren in een afgesloten periode."})
    if p["month"] <= own:
        raise InvalidPayload({"month": f"Boek de correctie in een periode na {hours_periods.month_label(own)}."})
    minutes = p["hours"] if p["direction"] == "erbij" else -p["hours"]
    corrected = s.scalar(select(func.coalesce(func.sum(HoursCorrection.minutes), 0)).where(
        HoursCorrection.entry_id == entry.id)) or 0
    left = entry.minutes + int(corrected)
    if left + minutes < 0:
        raise InvalidPayload({"hours": f"Van deze regel staat nog {coaching.fmt_hours(coaching.minutes_to_hours(left))} "
                                       "uur; meer kan er niet af."})
    row = HoursCorrection(plan_case_id=case.id, entry_id=entry.id, month=p["month"], minutes=minutes,
                          reason=p["reason"], recorded_at=u.now, recorded_by_id=u.actor.user_id)
    s.add(row)
    s.flush()
    u.result = row.id
    return {"correction_id": row.id, "entry_id": entry.id, "month": p["month"], "minutes": minutes}


# -- reads shared with the pages ------------------------------------------------------------


def statement_rows(s: Session, case_id: int) -> tuple[list[hours_periods.Entry], list[hours_periods.Correction]]:
    """A plan's entries (the rows the plan page reads once: `coaching_rows`) and the corrections
    of them (read once per page too)."""
    entries = {r.id: hours_periods.Entry(r.id, r.worked_on, r.minutes, r.activity, r.coach_name)
               for r in coaching_rows(s, case_id)}

    def load() -> tuple[Any, ...]:
        C = HoursCorrection
        return tuple(s.execute(select(C.id, C.month, C.minutes, C.entry_id)
                               .where(C.plan_case_id == case_id).order_by(C.id)).all())
    corrections = [hours_periods.Correction(i, month, minutes, entries[entry_id])
                   for i, month, minutes, entry_id in scope_cached(s, ("hours_corrections", case_id), load)]
    return list(entries.values()), corrections


def statement_for(s: Session, data: dict[str, Any], case_id: int, month: str, rules: Rules) -> hours_periods.Statement:
    """One month's statement of one plan, from the database: the figures of the page, the CSV,
    the PDF and the API (`hours_periods.statement`)."""
    entries, corrections = statement_rows(s, case_id)
    return hours_periods.statement(
        month, entries, start=plan.start_date(data), contract_hours=Decimal(str(data["contract_hours"])),
        proefplaatsing_months=plan.schedule_value(data, "proefplaatsing_months"), rules=rules,
        closed=month in (data.get("closed_periods") or []), corrections=corrections)


MONEY_RECORDERS: dict[str, Recorder] = {"update_instrument": update_instrument, "close_period": close_period,
                                         "correct_hours": correct_hours}
