"""The rows the plan's actions write, in the action's own transaction (see `engine.perform`).

Each recorder gets the clean payload (fields checked by their concepts, preconditions met)
and the locked plan, writes the action's rows and returns the payload of the transition it
makes: ids of those rows, never their text, so the audit trail holds no personal free text.
Every id a payload names is checked against the plan it must belong to.

Recorders marked `@sessionless` write plain rows through `Unit.insert`/`update`/`rows` and
run in the session-less write (`engine.perform`); the others write sealed personal data,
which the ORM session's flush seals, and run in its fallback.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.clock import ensure_utc
from engine.errors import InvalidPayload, NotFound
from engine.perform import Recorder, Unit, sessionless
from engine.store.db import scope_cached
from engine.store.models import User
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching
from workflows.domain.plan_actions import SKIP_REASONS
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.domain.rules import CoachingRules, Rules, SettingsHistory, SettingVersion
from workflows.storage.plan_models import (
    CoachingEntry,
    InvraObservation,
    PlanDocument,
    PlanEvaluation,
    PlanGoal,
    PlanGoalReview,
    PlanSettingVersion,
    PlanSignoff,
)


def _today(u: Unit) -> date:
    return u.now.astimezone(plan.AMSTERDAM).date()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _employer_user(u: Unit, user_id: int, roles: tuple[str, ...], field: str) -> None:
    user = u.session.get(User, user_id)
    if user is None or not user.active or user.role not in roles or user.organisation_id != u.case.organisation_id:
        raise InvalidPayload({field: "Kies een actieve medewerker van deze werkgever."})


def _goal(u: Unit, goal_id: int, field: str = "goal_id") -> PlanGoal:
    goal = u.session.get(PlanGoal, goal_id)
    if goal is None or goal.plan_case_id != u.case.id:
        raise NotFound("Dit doel hoort niet bij dit trajectplan.", goal_id=goal_id, field=field)
    return goal


def update_plan(u: Unit) -> dict[str, Any]:
    """Bijlage 4 as a whole: function, contact person, coaching need, onboarding, hours."""
    p = u.payload
    contact = p.get("contact_user_id")
    if contact is not None:
        _employer_user(u, contact, (OPDRACHTGEVER, HARRIE), "contact_user_id")
    doc = u.session.get(PlanDocument, u.case.id) or PlanDocument(plan_case_id=u.case.id)
    for key in ("function", "coaching_need", "onboarding_programme", "hours_distribution"):
        setattr(doc, key, p.get(key))
    doc.contact_user_id = contact
    doc.updated_at, doc.updated_by_id = u.now, u.actor.user_id
    u.session.add(doc)
    u.session.flush()
    return {"filled": [k for k in plan.DOCUMENT_FIELDS if getattr(doc, k)], "contact_user_id": contact}


def add_goal(u: Unit) -> dict[str, Any]:
    p = u.payload
    goal = PlanGoal(plan_case_id=u.case.id, status="open", created_at=u.now, updated_at=u.now,
                    created_by_id=u.actor.user_id, specific=p["specific"], measure=p["measure"],
                    target_date=_day(p["target_date"]), owner=p["owner"], competence=p.get("competence"))
    u.session.add(goal)
    u.session.flush()
    u.result = goal.id
    return {"goal_id": goal.id}


_GOAL = PlanGoal.__table__


@sessionless
def set_goal_status(u: Unit) -> dict[str, Any]:
    goal_id = u.payload["goal_id"]
    rows = u.rows(_GOAL, ("plan_case_id",), {"id": goal_id})
    if not rows or rows[0]["plan_case_id"] != u.case.id:
        raise NotFound("Dit doel hoort niet bij dit trajectplan.", goal_id=goal_id, field="goal_id")
    u.update(_GOAL, {"id": goal_id}, {"status": u.payload["status"], "updated_at": u.now})
    u.result = goal_id
    return {"goal_id": goal_id}


def record_observation(u: Unit) -> dict[str, Any]:
    p = u.payload
    row = InvraObservation(candidate_id=u.case.data["candidate_id"], plan_case_id=u.case.id,
                           observed_on=_day(p["observed_on"]), observer_id=u.actor.user_id, scores=p["scores"],
                           notes=p.get("notes"), created_at=u.now)
    u.session.add(row)
    u.session.flush()
    u.result = row.id
    return {"observation_id": row.id, "observed_on": p["observed_on"]}


def record_evaluation(u: Unit) -> dict[str, Any]:
    """What was discussed, each goal's status and note, and the next steps."""
    p, s = u.payload, u.session
    reviews = p.get("goal_reviews") or []
    if len({r["goal_id"] for r in reviews}) != len(reviews):
        raise InvalidPayload({"goal_reviews": "Elk doel wordt één keer geëvalueerd."})
    due = plan.milestone(u.case.data, p["milestone"])
    existing = s.scalars(select(PlanEvaluation).where(
        PlanEvaluation.plan_case_id == u.case.id, PlanEvaluation.milestone == p["milestone"])).first()
    if existing is not None:
        raise InvalidPayload({"milestone": _twice(existing)})
    if due is None:
        raise InvalidPayload({"milestone": "Deze evaluatie hoort niet (meer) bij dit plan."})
    row = PlanEvaluation(plan_case_id=u.case.id, milestone=p["milestone"], due_on=due.due_on,
                         held_on=_day(p["held_on"]), recorded_at=u.now, recorded_by_id=u.actor.user_id,
                         discussed=p["discussed"], next_steps=p.get("next_steps"),
                         interview_candidate=p.get("interview_candidate"), interview_harrie=p.get("interview_harrie"))
    s.add(row)
    try:
        s.flush()
    except IntegrityError as exc:  # the same evaluation recorded at the same moment elsewhere
        raise InvalidPayload({"milestone": "Deze evaluatie is al vastgelegd."}) from exc
    for review in reviews:
        goal = _goal(u, review["goal_id"], "goal_reviews")
        goal.status = review["status"]
        s.add(PlanGoalReview(evaluation_id=row.id, goal_id=goal.id, status=review["status"], note=review.get("note")))
    u.result = row.id
    return {"milestone": p["milestone"], "evaluation_id": row.id}


@sessionless
def skip_evaluation(u: Unit) -> dict[str, Any]:
    """No rows: the reason from the list becomes the audit row's reason (a category, no free text)."""
    u.reason = SKIP_REASONS[u.payload["reason"]]
    return {"milestone": u.payload["milestone"]}


@sessionless
def sign(u: Unit) -> dict[str, Any]:
    """A party signs the version it was shown (`round`); JoB records the candidate's signature."""
    p = u.payload
    signoff = u.case.data["signoff"]
    u.result = u.insert(PlanSignoff.__table__, {
        "plan_case_id": u.case.id, "round": p["round"], "document": signoff["document"], "party": p["party"],
        "signed_on": _day(p.get("signed_on")) or _today(u), "recorded_by_id": u.actor.user_id,
        "recorded_at": u.now})
    return {"party": p["party"], "round": p["round"]}


def log_hours(u: Unit) -> dict[str, Any]:
    """Hours beyond a budget are stored anyway, flagged, with a warning for the coach."""
    p, s, case = u.payload, u.session, u.case
    on = _day(p["worked_on"])
    assert on is not None
    coach = s.get(User, p.get("coach_id") or u.actor.user_id)
    if coach is None or not coach.active or coach.role != JOB:
        raise InvalidPayload({"coach_id": "Kies een actieve jobcoach van JoB."})
    last_day = _today(u)
    if case.closed_at is not None:
        last_day = min(last_day, ensure_utc(case.closed_at).astimezone(plan.AMSTERDAM).date())
    try:
        coaching.check_entry_date(on, plan.start_date(case.data), last_day)
        day_total = s.scalar(select(func.coalesce(func.sum(CoachingEntry.minutes), 0)).where(
            CoachingEntry.plan_case_id == case.id, CoachingEntry.worked_on == on)) or 0
        coaching.check_day_total(int(day_total), p["hours"], on)
    except InvalidPayload as exc:
        raise InvalidPayload({("worked_on" if k == "on" else k): v for k, v in exc.errors.items()}) from None
    entries = [*entries_of(s, case.id), coaching.Entry(on, p["hours"])]
    view = hours_view(case.data, entries, history_of(s))
    flagged = coaching.over_cap(view, on)
    row = CoachingEntry(plan_case_id=case.id, worked_on=on, minutes=p["hours"], coach_id=coach.id,
                        activity=p["activity"], note=p.get("note"), over_cap=flagged, created_at=u.now,
                        created_by_id=u.actor.user_id)
    s.add(row)
    s.flush()
    u.result = (row.id, flagged, tuple(coaching.warnings_for(view, on)))
    return {"entry_id": row.id, "over_cap": flagged}


# -- reads the recorders share with the plan's pages -------------------------------------------


class CoachingRow(NamedTuple):
    id: int
    worked_on: date
    minutes: int
    coach_id: int
    coach_name: str
    activity: str
    note: str | None
    over_cap: bool


def coaching_rows(s: Any, case_id: int) -> tuple[CoachingRow, ...]:
    """A plan's hour entries with their coach's name, oldest first. Read once per page: the
    hours overview, the hours log and the monthly statements share them (`scope_cached`)."""
    def load() -> tuple[CoachingRow, ...]:
        rows = s.execute(select(CoachingEntry, User.name).outerjoin(User, User.id == CoachingEntry.coach_id)
                         .where(CoachingEntry.plan_case_id == case_id)
                         .order_by(CoachingEntry.worked_on, CoachingEntry.id)).all()
        return tuple(CoachingRow(e.id, e.worked_on, e.minutes, e.coach_id, name or "", e.activity, e.note,
                                 e.over_cap) for e, name in rows)
    return scope_cached(s, ("coaching_rows", case_id), load)


def entries_of(s: Any, case_id: int) -> list[coaching.Entry]:
    return [coaching.Entry(r.worked_on, r.minutes) for r in coaching_rows(s, case_id)]


def history_of(s: Any) -> SettingsHistory:
    """Every stored version of the money settings (a calculation picks the one valid on its day);
    read once per page (the plan page, its statements and the dashboard)."""
    def load() -> SettingsHistory:
        V = PlanSettingVersion
        return SettingsHistory(SettingVersion(k, Decimal(v), on) for k, v, on in s.execute(
            select(V.key, V.value, V.valid_from).order_by(V.valid_from, V.id)).all())
    return scope_cached(s, "settings_history", load)


def rules_of(s: Any, on: date) -> CoachingRules:
    """The money settings valid on `on`."""
    return history_of(s).rules_on(on)


def hours_view(data: dict[str, Any], entries: list[coaching.Entry], rules: Rules) -> coaching.HoursOverview:
    return coaching.overview(
        entries, start=plan.start_date(data), contract_hours=Decimal(str(data["contract_hours"])),
        fulltime=bool(data.get("fulltime")),
        proefplaatsing_months=plan.schedule_value(data, "proefplaatsing_months"), rules=rules)


def _twice(existing: PlanEvaluation) -> str:
    return (f"{plan.KIND_BY_KEY[existing.milestone].label} (datum {coaching.nl_date(existing.due_on)}) is al "
            f"vastgelegd op {coaching.nl_date(ensure_utc(existing.recorded_at).astimezone(plan.AMSTERDAM).date())}.")


RECORDERS: dict[str, Recorder] = {
    "update_plan": update_plan, "add_goal": add_goal, "set_goal_status": set_goal_status,
    "record_observation": record_observation, "record_evaluation": record_evaluation,
    "skip_evaluation": skip_evaluation, "sign": sign, "log_hours": log_hours,
}
