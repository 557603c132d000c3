"""Domain tables: employer details and candidates' personal data, kept apart from cases.

Cases and audit rows refer to these rows by id only, so erasing a candidate replaces the
personal data here and leaves the audit trail verifiable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.store.db import Base
from engine.store.models import UtcDateTime
from engine.store.personal_data import DataKey, next_id, sealed


class Company(Base):
    """An employer (opdrachtgever); one row per employer organisation."""

    __tablename__ = "company"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    kvk_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    employees: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    hr_name: Mapped[str | None] = mapped_column(String(200))
    hr_email: Mapped[str | None] = mapped_column(String(254))

    @property
    def quota_applies(self) -> bool:
        """The banenafspraak quota applies to employers with 25 or more employees."""
        return (self.employees or 0) >= 25


def _candidate_subject(row: Candidate, session: Session) -> int | None:
    """A candidate's own id (taken before the insert, as the values are sealed under it);
    None once erased: the pseudonym is stored as it is."""
    if row.erased_at is not None:
        return None
    if row.id is None:
        row.id = next_id(session, Candidate.__table__)
    return row.id


@sealed(subject=_candidate_subject, index=("first_name", "last_name"),
        first_name=str, last_name=str, date_of_birth=date, email=str, phone=str, notes=str)
class Candidate(Base):
    """A person with a labour disability. Special-category personal data lives only here,
    sealed with the candidate's own data key (engine/store/personal_data.py): `candidate erase`
    destroys that key, and with it every copy of these values in pages, WAL and backups."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    target_group: Mapped[str | None] = mapped_column(String(16))  # wajong | wsw | anders
    in_doelgroepregister: Mapped[bool | None] = mapped_column(Boolean)
    register_checked_on: Mapped[date | None] = mapped_column(Date)
    contract_hours: Mapped[float | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Read with the row (one join), so a page of names costs no statement per candidate.
    data_key: Mapped[DataKey | None] = relationship(
        DataKey, primaryjoin="foreign(DataKey.subject_id) == Candidate.id", lazy="joined", viewonly=True)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

import workflows.storage.casework_models  # noqa: E402,F401 - notes and documents on cases
import workflows.storage.list_models  # noqa: E402,F401 - people's saved filters on the lists
import workflows.storage.money_models  # noqa: E402,F401 - and its money tables (instruments, hours periods)
import workflows.storage.plan_models  # noqa: E402,F401 - registers the candidate plan's tables on Base.metadata


class ErasureLog(Base):
    """One row per erasure of a candidate: `jobtraject restore` erases them again when a
    backup from before the erasure is put back (engine/ops/backup.py). Ids and a time only."""

    __tablename__ = "erasure_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(Integer)  # no foreign key: a backup may predate the row
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
