"""Tables of the candidate trajectplan: what people write down, kept apart from the case.

The plan case (`workflows.domain.candidate_plan`) holds dates, ids and statuses; its audit rows
name these rows by id. The free text about a person (evaluation notes, goals, hour notes,
INVRA scores) lives only here, so it can be erased without breaking the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.store.db import Base
from engine.store.models import BigId, Case, JsonType, UtcDateTime
from engine.store.personal_data import sealed


def _plan_subject(row: Any, session: Session) -> int | None:
    """The candidate of the plan a row belongs to: its free text is sealed with their key."""
    case = session.get(Case, row.plan_case_id) if row.plan_case_id is not None else None
    cid = (case.data or {}).get("candidate_id") if case is not None else None
    return cid if isinstance(cid, int) else None


def _review_subject(row: Any, session: Session) -> int | None:
    goal = session.get(PlanGoal, row.goal_id) if row.goal_id is not None else None
    return _plan_subject(goal, session) if goal is not None else None


class PlanSettingVersion(Base):
    """One value of a money setting (`workflows.domain.rules.SETTINGS`) from a date on: rows are
    only added, so every version stays with who added it, when and why."""

    __tablename__ = "plan_setting_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)  # where the figure comes from
    valid_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was changed
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (Index("ix_plan_setting_version_key", "key", "valid_from"),)


class InvraLabelSet(Base):
    """One load of the organisation's own INVRA labels; the newest active set is used."""

    __tablename__ = "invra_label_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class InvraLabel(Base):
    __tablename__ = "invra_label"

    set_id: Mapped[int] = mapped_column(ForeignKey("invra_label_set.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))


@sealed(subject=lambda row, session: row.candidate_id, notes=str)
class InvraObservation(Base):
    """A person profile: the levels observed on one date (INVRA-Arbeid, 1-3 per competence)."""

    __tablename__ = "invra_observation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"))
    plan_case_id: Mapped[int | None] = mapped_column(ForeignKey("wf_case.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    scores: Mapped[dict[str, Any]] = mapped_column(JsonType)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # By candidate (the candidate page, ranking) and by plan (the plan page), each in date order.
    __table_args__ = (Index("ix_invra_observation_candidate_on", "candidate_id", "observed_on"),
                      Index("ix_invra_observation_plan_on", "plan_case_id", "observed_on", "id"))


@sealed(subject=_plan_subject, function=str, coaching_need=str, onboarding_programme=str,
        hours_distribution=str)
class PlanDocument(Base):
    """Bijlage 4: personal data (by reference), coaching need, onboarding, hours distribution."""

    __tablename__ = "plan_document"

    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"), primary_key=True)
    function: Mapped[str | None] = mapped_column(Text)
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    coaching_need: Mapped[str | None] = mapped_column(Text)
    onboarding_programme: Mapped[str | None] = mapped_column(Text)
    hours_distribution: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


@sealed(subject=_plan_subject, specific=str, measure=str)
class PlanGoal(Base):
    """A SMART goal of the plan or of an action plan (optionally for one INVRA competence)."""

    __tablename__ = "plan_goal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"), index=True)
    specific: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(16))
    competence: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


@sealed(subject=_plan_subject, discussed=str, next_steps=str, interview_candidate=str,
        interview_harrie=str)
class PlanEvaluation(Base):
    """What was discussed at one due evaluation; one per milestone of a plan."""

    __tablename__ = "plan_evaluation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    milestone: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    discussed: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    interview_candidate: Mapped[str | None] = mapped_column(Text)
    interview_harrie: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (UniqueConstraint("plan_case_id", "milestone", name="uq_plan_evaluation_milestone"),)


@sealed(subject=_review_subject, note=str)
class PlanGoalReview(Base):
    """A goal's status and note at one evaluation."""

    __tablename__ = "plan_goal_review"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("plan_evaluation.id"))
    goal_id: Mapped[int] = mapped_column(ForeignKey("plan_goal.id"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("evaluation_id", "goal_id", name="uq_goal_review"),)


class PlanSignoff(Base):
    """One party's signature under one version (round) of the plan or action plan."""

    __tablename__ = "plan_signoff"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    round: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    signed_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("plan_case_id", "round", "party", name="uq_plan_signoff"),)


@sealed(subject=_plan_subject, note=str)
class CoachingEntry(Base):
    """Hours a JoB coach spent on one plan on one day."""

    __tablename__ = "coaching_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    worked_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    coach_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    activity: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    over_cap: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (
        Index("ix_coaching_entry_plan_day", "plan_case_id", "worked_on"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="ck_coaching_entry_minutes"),
    )
