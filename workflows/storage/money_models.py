"""Tables of the plan's money: instruments per placement and the closed periods of coaching hours.

The plan case keeps each instrument's status and dates (its timers and tasks follow them); the
row here holds the same with the amount, so pages and the dashboard read one table. A closed
period keeps the totals it was closed with, so a statement handed to UWV can be checked later.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base
from engine.store.models import BigId, UtcDateTime
from engine.store.personal_data import sealed
from workflows.storage.plan_models import _plan_subject


class PlacementInstrument(Base):
    """One instrument of one placement (plan): status, the dates that matter, the amount."""

    __tablename__ = "placement_instrument"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    apply_by: Mapped[date | None] = mapped_column(Date)
    applied_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    amount_eur: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (
        UniqueConstraint("plan_case_id", "kind", name="uq_placement_instrument_kind"),
        Index("ix_placement_instrument_status", "status", "apply_by"),
    )


class HoursPeriod(Base):
    """A month of a plan's coaching hours, closed by JoB, with the totals it was closed with."""

    __tablename__ = "hours_period"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    month: Mapped[str] = mapped_column(String(7))
    minutes: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    billable: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    uwv_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    cost_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    uwv_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (UniqueConstraint("plan_case_id", "month", name="uq_hours_period_month"),)


@sealed(subject=_plan_subject, reason=str)
class HoursCorrection(Base):
    """A counter-entry: hours of an entry in a closed month corrected in a later, open month.

    The closed month's statement stays as it was handed over; the correction is a line of the
    month it is booked in (`month`), counted in the plan year of the entry it corrects.
    """

    __tablename__ = "hours_correction"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("coaching_entry.id"))
    month: Mapped[str] = mapped_column(String(7))
    minutes: Mapped[int] = mapped_column(Integer)  # signed: minus takes hours off
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (
        Index("ix_hours_correction_plan_month", "plan_case_id", "month"),
        CheckConstraint("minutes <> 0", name="ck_hours_correction_minutes"),
    )
