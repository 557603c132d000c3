"""The plan's money and rules (DOMAIN.md §4), as rows of the plan's table: instruments with
their deadlines, closing a period of coaching hours, the work level and the training route.

Read it as the plan's other tables (`workflows.domain.candidate_plan`): TRANSITIONS (trigger,
from, to, who), one TIMER per phase that opens the next instrument task whose day has come,
and standing TASKS per instrument and deadline (`instruments.DEADLINES`: applying for it, a
decision that is late, what follows before it ends). The actions people take
are declared in `workflows.domain.plan_actions`; the rows in `workflows.usecases.money_records`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from engine.errors import InvalidPayload
from engine.spec import ANY_STATE, SYSTEM, CaseView, Ctx, TaskSpec, Timer, Transition, guard
from workflows.domain import hours_periods, instruments
from workflows.domain.plan_year import (
    OPEN_PHASES,
    end_of_day,
    is_paused,
    local_midnight,
    start_date,
    today,
)
from workflows.domain.roles import JOB, OPDRACHTGEVER
from workflows.domain.rules import schedule_value

WORK_LEVELS: dict[str, str] = {"beschermd": "Beschermd (dagbesteding)", "beschut": "Beschut (met behoud van uitkering)",
                               "vrij": "Vrij bedrijf met ondersteuning"}
TRAINING_ROUTES: dict[str, str] = {"boris": "BORIS maatwerktraject (praktijkverklaringen)",
                                   "entree": "Entree MBO (niveau 1)", "mbo2": "MBO niveau 2"}
BORIS_LEVELS: dict[str, str] = {"1": "Niveau 1", "2": "Niveau 2", "3": "Niveau 3"}
TRAINING_STATUSES: dict[str, str] = {"gestart": "Gestart", "deelcertificaat": "Deelcertificaat behaald",
                                     "diploma": "Diploma behaald", "gestopt": "Gestopt"}


def _notice(data: Mapping[str, Any]) -> int:
    return schedule_value(data, "notice_days")


# -- preconditions (asked of the plan as it is; shown next to the field) ---------------------


def closed_periods(data: Mapping[str, Any]) -> list[str]:
    return list(data.get("closed_periods") or [])


def _worked_month(ctx: Ctx) -> str | None:
    on = ctx.payload.get("worked_on")
    return hours_periods.month_key(date.fromisoformat(on)) if isinstance(on, str) else None


def _closed_reason(case: CaseView, ctx: Ctx) -> str:
    month = _worked_month(ctx) or ""
    return (f"De periode {hours_periods.month_label(month)} is afgesloten: uren in die maand kunnen niet meer "
            "worden geschreven of gewijzigd.")


@guard(_closed_reason, field="worked_on")
def period_open(case: CaseView, ctx: Ctx) -> bool:
    month = _worked_month(ctx)
    return month is None or month not in closed_periods(ctx.data)


def _close_reason(case: CaseView, ctx: Ctx) -> str:
    month = ctx.payload.get("month")
    if not isinstance(month, str):
        return "Kies een maand."
    if month in closed_periods(ctx.data):
        return f"De periode {hours_periods.month_label(month)} is al afgesloten."
    if month < hours_periods.month_key(start_date(ctx.data)):
        return "Deze maand ligt voor de start van het trajectplan."
    return f"De periode {hours_periods.month_label(month)} is nog niet voorbij."


@guard(_close_reason, field="month")
def period_closable(case: CaseView, ctx: Ctx) -> bool:
    month = ctx.payload.get("month")
    if not isinstance(month, str):
        return True  # asked without a month (what may I do?): the field says it when one is given
    return (month not in closed_periods(ctx.data) and month >= hours_periods.month_key(start_date(ctx.data))
            and hours_periods.is_over(month, today(ctx)))


CORRECTION_DIRECTIONS: dict[str, str] = {"eraf": "Uren eraf (te veel geschreven)", "erbij": "Uren erbij (te weinig)"}


def _correction_reason(case: CaseView, ctx: Ctx) -> str:
    month = ctx.payload.get("month") if isinstance(ctx.payload.get("month"), str) else ""
    if month in closed_periods(ctx.data):
        return (f"De periode {hours_periods.month_label(month)} is afgesloten: boek de correctie in een latere, "
                "open periode.")
    if month < hours_periods.month_key(start_date(ctx.data)):
        return "Deze maand ligt voor de start van het trajectplan."
    return f"De periode {hours_periods.month_label(month)} ligt in de toekomst."


@guard(_correction_reason, field="month")
def correction_period_open(case: CaseView, ctx: Ctx) -> bool:
    """A correction is booked in an open period from the plan's start up to this month."""
    month = ctx.payload.get("month")
    if not isinstance(month, str):
        return True
    return (month not in closed_periods(ctx.data) and month >= hours_periods.month_key(start_date(ctx.data))
            and month <= hours_periods.month_key(today(ctx)))


def boris(payload: Mapping[str, Any]) -> bool:
    return payload.get("route") == "boris"


# -- effects --------------------------------------------------------------------------------


def update_instrument(ctx: Ctx) -> None:
    instruments.apply_change(ctx.data, ctx.payload)
    instruments.open_due(ctx.data, today(ctx), _notice(ctx.data))


def open_instruments(ctx: Ctx) -> None:
    instruments.open_due(ctx.data, today(ctx), _notice(ctx.data))


def close_period(ctx: Ctx) -> None:
    ctx.data["closed_periods"] = sorted({*closed_periods(ctx.data), ctx.payload["month"]})


def set_work_level(ctx: Ctx) -> None:
    ctx.data["work_level"] = {"level": ctx.payload["level"], "since": ctx.payload["since"]}


def record_training(ctx: Ctx) -> None:
    p = ctx.payload
    ctx.data.setdefault("training", {})[p["route"]] = {
        "status": p["status"], "on": p["on"], **({"level": p["level"]} if p.get("level") else {})}


# -- what each transition stores in its audit row (categories and dates, no free text) -------


def _cleaner(allowed: Mapping[str, Callable[[Any], bool]], required: tuple[str, ...]
             ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def clean(payload: dict[str, Any]) -> dict[str, Any]:
        errors = {k: "Onbekend veld." for k in payload if k not in allowed}
        errors.update({k: "Ontbrekende of ongeldige waarde." for k in required if k not in payload})
        errors.update({k: "Ontbrekende of ongeldige waarde." for k, v in payload.items()
                       if k in allowed and v is not None and not allowed[k](v)})
        if errors:
            raise InvalidPayload(errors)
        return dict(payload)

    return clean


def _is_day(value: Any) -> bool:
    try:
        date.fromisoformat(value)
        return True
    except (TypeError, ValueError):
        return False


def _in(options: Mapping[str, str]) -> Callable[[Any], bool]:
    return lambda v: v in options


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


clean_instrument_ref = _cleaner(
    {"instrument_id": _is_id, "kind": _in(instruments.KIND_BY_KEY), "status": _in(instruments.STATUSES),
     "has_amount": lambda v: isinstance(v, bool),
     **{k: _is_day for k in (*instruments.DATE_FIELDS, *instruments.DERIVED_FIELDS)}},
    ("instrument_id", "kind", "status"))
clean_period_ref = _cleaner({"month": lambda v: hours_periods.parse_month(v) == v, "period_id": _is_id},
                            ("month", "period_id"))
clean_work_level = _cleaner({"level": _in(WORK_LEVELS), "since": _is_day}, ("level", "since"))
clean_training = _cleaner({"route": _in(TRAINING_ROUTES), "level": _in(BORIS_LEVELS),
                           "status": _in(TRAINING_STATUSES), "on": _is_day}, ("route", "status", "on"))
clean_correction = _cleaner({"correction_id": _is_id, "entry_id": _is_id,
                             "month": lambda v: hours_periods.parse_month(v) == v,
                             "minutes": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < abs(v) <= 1440},
                            ("correction_id", "entry_id", "month", "minutes"))
no_fields = _cleaner({}, ())


# -- the table ------------------------------------------------------------------------------


def transitions(active: tuple[str, ...], all_states: tuple[str, ...]) -> tuple[Transition, ...]:
    """Instrument changes re-enter the phase (its timers are recomputed); paused or ended plans
    keep their phase."""
    T = Transition
    return (
        *(T("update_instrument", p, p, by=(JOB, OPDRACHTGEVER), label="Instrument bijwerken",
            payload=clean_instrument_ref, effect=update_instrument) for p in OPEN_PHASES),
        T("update_instrument", tuple(s for s in all_states if s not in OPEN_PHASES), None,
          by=(JOB, OPDRACHTGEVER), label="Instrument bijwerken", payload=clean_instrument_ref,
          effect=update_instrument),
        *(T("instrument_deadline", p, p, by=(SYSTEM,), label="Termijn instrument: taak openen",
            payload=no_fields, effect=open_instruments) for p in OPEN_PHASES),
        T("close_period", all_states, None, by=(JOB,), label="Urenperiode afsluiten",
          payload=clean_period_ref, effect=close_period),
        T("correct_hours", all_states, None, by=(JOB,), label="Uren corrigeren (tegenboeking)",
          payload=clean_correction),
        T("set_work_level", active, None, by=(JOB,), label="Werkniveau vastleggen",
          payload=clean_work_level, effect=set_work_level),
        T("record_training", all_states, None, by=(JOB,), label="Opleiding vastleggen",
          payload=clean_training, effect=record_training),
    )


def _next_opening(case: CaseView, entered: datetime) -> datetime | None:
    day = instruments.next_opening(case.data, _notice(case.data))
    return local_midnight(day) if day is not None else None


TIMERS: tuple[Timer, ...] = tuple(
    Timer(in_state=p, fire="instrument_deadline", after=_next_opening, name="instrument_deadline") for p in OPEN_PHASES)


def _task_open(kind: str, deadline: instruments.Deadline) -> Callable[[CaseView], bool]:
    def when(case: CaseView) -> bool:
        return not is_paused(case.data) and instruments.task_open(case.data, kind, deadline)

    when.__name__ = f"{deadline.key}_{kind}"
    return when


def _due(kind: str, deadline: instruments.Deadline) -> Callable[[CaseView, datetime], datetime | None]:
    def due(case: CaseView, now: datetime) -> datetime | None:
        day = instruments.due_on(case.data, kind, _notice(case.data), deadline)
        return end_of_day(day) if day else None

    due.__name__ = f"{deadline.key}_by_{kind}"
    return due


def tasks(contact: Callable[[CaseView], int | None], remind: tuple[timedelta, ...]) -> tuple[TaskSpec, ...]:
    """One standing task per instrument and deadline (`instruments.DEADLINES`): applying for
    it (the role that applies; the employer's contact person for the employer's instruments),
    asking after a decision that is late, and deciding on what follows before it ends."""
    out = []
    for k in instruments.KINDS:
        for dl in instruments.DEADLINES:
            role = dl.role or k.applicant
            out.append(TaskSpec(ANY_STATE, role, dl.title.format(label=k.label), key=instruments.task_key(k.key, dl),
                                when=_task_open(k.key, dl), due=_due(k.key, dl), remind_before=remind,
                                assign_to=contact if role == OPDRACHTGEVER else None, action="update_instrument"))
    return tuple(out)
