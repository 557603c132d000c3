"""The plan pages' section loaders: each section one statement (or one family), no N+1.

Every loader takes the read session and the plan's case (already loaded and access-checked
by the caller, `PlanServices._load`). Inside a web request all of them share the request's
read scope, so a page or a section sub-page calls only the loaders it shows and the case is
read once. Rows two sections both need (the money settings, the hour entries) are read once
per scope (`engine.store.db.scope_cached`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import Case, Organisation, User
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, invra
from workflows.storage.models import Candidate
from workflows.storage.plan_models import (
    InvraLabel,
    InvraLabelSet,
    InvraObservation,
    PlanDocument,
    PlanEvaluation,
    PlanGoal,
    PlanGoalReview,
)
from workflows.usecases import plan_records
from workflows.usecases.plan_views import EvaluationLine, GoalLine, HoursLine, ObservationLine


def candidate_and_document(s: Session, case: Case) -> tuple[Candidate | None, PlanDocument | None]:
    """The candidate first: its row brings the data key (a join) that opens the document's sealed
    fields, so the document costs no extra statement for the key."""
    candidate = s.get(Candidate, case.data["candidate_id"])
    return candidate, s.get(PlanDocument, case.id)


def names(s: Session, case: Case, doc: PlanDocument | None) -> tuple[str | None, str | None, str | None]:
    """(employer, Harrie, contact person) names in one statement of three scalar subqueries."""
    def user(user_id: Any) -> Any:
        return select(User.name).where(User.id == (user_id or -1)).scalar_subquery()

    row = s.execute(select(
        select(Organisation.name).where(Organisation.id == (case.organisation_id or -1)).scalar_subquery(),
        user(case.data.get("harrie_user_id")), user(doc.contact_user_id if doc else None))).one()
    return row[0], row[1], row[2]


def goals(s: Session, case_id: int) -> tuple[GoalLine, ...]:
    return tuple(GoalLine(g.id, g.specific, g.measure, g.target_date, g.owner, g.competence, g.status)
                 for g in s.scalars(select(PlanGoal).where(PlanGoal.plan_case_id == case_id)
                                    .order_by(PlanGoal.target_date, PlanGoal.id)))


def evaluations(s: Session, case_id: int) -> tuple[EvaluationLine, ...]:
    """The evaluations with their goal reviews: one outer join, in due order."""
    rows = s.execute(select(PlanEvaluation, PlanGoalReview)
                     .outerjoin(PlanGoalReview, PlanGoalReview.evaluation_id == PlanEvaluation.id)
                     .where(PlanEvaluation.plan_case_id == case_id)
                     .order_by(PlanEvaluation.due_on, PlanEvaluation.id, PlanGoalReview.id)).all()
    found: dict[int, PlanEvaluation] = {}
    reviews: dict[int, list[tuple[int, str, str | None]]] = {}
    for e, r in rows:
        found.setdefault(e.id, e)
        if r is not None:
            reviews.setdefault(e.id, []).append((r.goal_id, r.status, r.note))
    return tuple(EvaluationLine(e.id, e.milestone, plan.KIND_BY_KEY[e.milestone].label, e.due_on, e.held_on,
                                e.discussed, e.next_steps, e.interview_candidate, e.interview_harrie,
                                tuple(reviews.get(e.id, ()))) for e in found.values())


def observations(s: Session, case_id: int) -> tuple[ObservationLine, ...]:
    """INVRA observations on this plan, oldest first."""
    return tuple(ObservationLine(o.id, o.observed_on, dict(o.scores)) for o in s.scalars(
        select(InvraObservation).where(InvraObservation.plan_case_id == case_id)
        .order_by(InvraObservation.observed_on, InvraObservation.id)))


def hours(s: Session, case: Case) -> coaching.HoursOverview:
    """Hours against the caps: the entries and settings the log and the statements read too."""
    return plan_records.hours_view(case.data, plan_records.entries_of(s, case.id),
                                     plan_records.history_of(s))


def hours_log(s: Session, case_id: int) -> list[HoursLine]:
    return [HoursLine(r.id, r.worked_on, coaching.minutes_to_hours(r.minutes), r.coach_id, r.coach_name,
                      r.activity, r.note, r.over_cap) for r in plan_records.coaching_rows(s, case_id)]


def invra_labels(s: Session) -> dict[str, str]:
    """The organisation's active INVRA labels (placeholders where none are loaded): one statement."""
    active = select(InvraLabelSet.id).where(InvraLabelSet.active.is_(True)).order_by(
        InvraLabelSet.id.desc()).limit(1).scalar_subquery()
    return invra.labels(dict(s.execute(select(InvraLabel.code, InvraLabel.label)
                                       .where(InvraLabel.set_id == active)).all()))
