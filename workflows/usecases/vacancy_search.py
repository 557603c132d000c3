"""Vacancies in the search box: function title, department or company, on company trajectories
the user may see.

A vacancy is part of its company trajectory's data (`company_records.record_vacancy`), so it is
searched in SQL through the case's JSON (SQLite's json_extract, PostgreSQL's #>>) and limited by
the access policy's own filter, the same one every case list uses: a WSP adviser finds the
vacancies of their region, an employer only their own. The title is not personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY

MAX_VACANCIES = 25


@dataclass(frozen=True)
class VacancyHit:
    case_id: int
    title: str
    department: str | None
    company: str
    location: str | None
    closed: bool


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_vacancies(s: Session, services: Services, actor: Actor, query: str) -> list[VacancyHit]:
    """Vacancies whose title, department or company contains `query` (any case), open ones
    first, then by company and title; at most MAX_VACANCIES."""
    text = (query or "").strip()
    if not text:
        return []
    title = Case.data[("vacancy", "title")].as_string()
    department = Case.data[("vacancy", "department")].as_string()
    location = Case.data[("vacancy", "location")].as_string()
    pattern = _like(text)
    stmt = (
        select(Case.id, title, department, Organisation.name, location, Case.closed_at)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .where(Case.workflow == COMPANY_TRAJECTORY, title.is_not(None),
               services.policy.case_filter(actor),
               or_(func.lower(title).like(pattern, escape="\\"),
                   func.lower(department).like(pattern, escape="\\"),
                   func.lower(Organisation.name).like(pattern, escape="\\")))
        .order_by(Case.closed_at.is_not(None), Organisation.name, title, Case.id)
        .limit(MAX_VACANCIES)
    )
    return [VacancyHit(i, t, d or None, c, loc or None, closed is not None) for i, t, d, c, loc, closed in s.execute(stmt)]
