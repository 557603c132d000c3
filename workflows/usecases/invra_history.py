"""A candidate's INVRA person profiles over time, for the candidate page (JoB).

Every observation in date order with its levels per category and how each category moved
since the observation before; the observation's notes stay on the plan page. Whether the
organisation loaded its licensed labels decides the notice the page shows (the labels are
the licence holder's; the page itself shows only numbers and categories).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from engine.errors import NotFound
from engine.services import Services
from engine.spec import Actor
from engine.store.models import User
from workflows.domain import invra
from workflows.storage.plan_models import InvraObservation
from workflows.usecases.plan_services import PlanServices
from workflows.usecases.register import NOT_VISIBLE, may_see_candidates


@dataclass(frozen=True)
class ProfilePoint:
    observed_on: date
    observer: str | None
    plan_case_id: int | None
    scored: int  # competences with a level, of 38
    levels: tuple[invra.CategoryLevel, ...]  # per category
    changes: tuple[float | None, ...]  # per category, since the observation before (None: first, or not scored)


@dataclass(frozen=True)
class ProfileHistory:
    points: tuple[ProfilePoint, ...]  # oldest first
    labels_loaded: bool

    @property
    def categories(self) -> tuple[invra.Category, ...]:
        return invra.CATEGORIES


class InvraHistory:
    def __init__(self, services: Services) -> None:
        self.services = services

    def for_candidate(self, actor: Actor, candidate_id: int) -> ProfileHistory:
        if not may_see_candidates(actor):
            raise NotFound(NOT_VISIBLE)
        with self.services.db.read() as s:
            rows = s.execute(
                select(InvraObservation.observed_on, InvraObservation.scores, InvraObservation.plan_case_id,
                       User.name)
                .outerjoin(User, User.id == InvraObservation.observer_id)
                .where(InvraObservation.candidate_id == candidate_id)
                .order_by(InvraObservation.observed_on, InvraObservation.id)).all()
        labels = PlanServices(self.services).invra_labels()
        loaded = any(labels.get(c.code) != c.placeholder_label for c in invra.COMPETENCES)
        points: list[ProfilePoint] = []
        for observed_on, scores, plan_case_id, observer in rows:
            profile = {k: v for k, v in (scores or {}).items() if v in invra.LEVELS}
            levels = invra.category_levels(profile)
            before = points[-1].levels if points else None
            changes = tuple(invra.mean_change(b, a) for b, a in zip(before, levels, strict=True)) if before \
                else tuple(None for _ in levels)
            points.append(ProfilePoint(observed_on, observer, plan_case_id, sum(lv.scored for lv in levels),
                                       levels, changes))
        return ProfileHistory(tuple(points), loaded)
