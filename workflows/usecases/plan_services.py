"""Use cases of the candidate trajectplan, each one transaction, each one audited transition.

The plan's free text (the document, goals, evaluations, INVRA scores, hour notes) is written
to `workflows.storage.plan_models` and the transition that records it names the row by id, in the
same transaction: both are stored or neither. Every id a caller passes is checked against
the plan it belongs to; cases are loaded through the access policy, so an id the actor may
not see behaves exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.actions import Invalid
from engine.errors import CaseNotFound, InvalidPayload, NotFound, NotPermitted, StaleCase
from engine.inbox import local_today
from engine.registry import Registry
from engine.runtime import load_case
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, User
from workflows.domain import candidate_plan as plan
from workflows.domain import invra
from workflows.domain.concepts import LINE, clean_id
from workflows.domain.plan_actions import GOAL_OWNERS, GOAL_STATUSES, SKIP_REASONS  # noqa: F401 (pages use them)
from workflows.domain.roles import ADMIN, JOB
from workflows.domain.rules import CoachingRules
from workflows.storage.models import Candidate
from workflows.storage.plan_models import (
    InvraLabel,
    InvraLabelSet,
    InvraObservation,
)
from workflows.usecases import plan_reads, plan_records
from workflows.usecases.plan_views import (  # noqa: F401 - re-exported: the pages import them from here
    EvaluationLine,
    GoalLine,
    HoursLine,
    InvraSummary,
    ObservationLine,
    PhaseLine,
    PlanOverview,
    RankedCandidate,
    SignoffStatus,
    TimelineEntry,
)


def _id(value: Any) -> int | None:
    """A row id; 32 bits on PostgreSQL, so a larger number names no row (not a driver error)."""
    try:
        return clean_id(value) if isinstance(value, int) else None
    except Invalid:
        return None


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidPayload(errors)


def _check(errors: dict[str, str], concept: Any, key: str, value: Any) -> Any:
    """A value checked by its one concept (`workflows.domain.concepts`); the message on its field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[key] = "Dit veld is verplicht."
        return None
    try:
        return concept.clean(value)
    except Invalid as exc:
        errors[key] = str(exc)
        return None


# -- the use cases --------------------------------------------------------------------------


class PlanServices:
    """Domain use cases on top of the engine's services (same database, clock and policy)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def registry(self) -> Registry:
        return self.services.registry

    # helpers ---------------------------------------------------------------------------
    @contextmanager
    def _write(self, case_id: Any = None) -> Iterator[Session]:
        try:
            with self.services.db.write() as s:
                yield s
        except StaleDataError as exc:
            raise StaleCase(case_id) from exc

    def _load(self, s: Session, actor: Actor, case_id: Any, *, for_update: bool = False) -> Case:
        if _id(case_id) is None:
            raise CaseNotFound(case_id)
        case = load_case(s, case_id, lock=for_update and not self.services.db.sqlite)  # a page's read: once
        if case is None or case.workflow != plan.NAME or not self.services.policy.can_see(actor, case):
            raise CaseNotFound(case_id)
        return case

    def _today(self) -> date:
        return self.services.clock.now().astimezone(plan.AMSTERDAM).date()

    def _employer_user(self, s: Session, user_id: Any, organisation_id: int | None, roles: tuple[str, ...],
                       field: str) -> User:
        user = s.get(User, user_id) if _id(user_id) else None
        if user is None or not user.active or user.role not in roles or user.organisation_id != organisation_id:
            raise InvalidPayload({field: "Kies een actieve medewerker van deze werkgever."})
        return user

    def hours_log(self, actor: Actor, case_id: int) -> list[HoursLine]:
        with self.services.db.read() as s:
            return plan_reads.hours_log(s, self._load(s, actor, case_id).id)

    # settings (changed on the settings page: `MoneyServices.change_setting`) ----------------
    def coaching_rules(self) -> CoachingRules:
        """The money settings valid today."""
        with self.services.db.read() as s:
            return plan_records.rules_of(s, local_today(self.services.clock.now()))

    # INVRA labels and ranking ----------------------------------------------------------------
    def load_invra_labels(self, actor: Actor, *, name: str, text: str) -> int:
        """An administrator loads the organisation's licensed labels; the new set replaces the old."""
        if actor.role != ADMIN:
            raise NotPermitted("Alleen een beheerder kan INVRA-omschrijvingen laden.")
        errors: dict[str, str] = {}
        title = _check(errors, LINE, "name", name)
        _raise(errors)
        loaded = invra.parse_labels(text if isinstance(text, str) else "")
        with self._write() as s:
            for old in s.scalars(select(InvraLabelSet).where(InvraLabelSet.active.is_(True))):
                old.active = False
            label_set = InvraLabelSet(name=title, active=True, loaded_at=self.services.clock.now(),
                                      loaded_by_id=actor.user_id)
            s.add(label_set)
            s.flush()
            s.add_all(InvraLabel(set_id=label_set.id, code=c, label=t) for c, t in loaded.items())
            return label_set.id

    def _labels(self, s: Session) -> dict[str, str]:
        return plan_reads.invra_labels(s)

    def invra_labels(self) -> dict[str, str]:
        with self.services.db.read() as s:
            return self._labels(s)

    def rank_candidates(self, actor: Actor, workplace_profile: Mapping[str, Any],
                        candidate_ids: Iterable[int]) -> list[RankedCandidate]:
        """Candidates for a vacancy, best INVRA match first (each by their latest observation)."""
        if actor.role not in (JOB, ADMIN):
            raise NotPermitted("Alleen JoB kan kandidaten rangschikken.")
        try:
            workplace = invra.clean_profile(workplace_profile)
        except InvalidPayload as exc:
            raise InvalidPayload({"workplace_profile": next(iter(exc.errors.values()))}) from exc
        ids = list(dict.fromkeys(candidate_ids))
        if not all(_id(i) for i in ids):
            raise NotFound("Onbekende kandidaat.")
        with self.services.db.read() as s:
            people = {c.id: c for c in s.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
            if len(people) != len(ids):
                raise NotFound("Onbekende kandidaat.")
            latest: dict[int, InvraObservation] = {}
            for obs in s.scalars(select(InvraObservation).where(InvraObservation.candidate_id.in_(ids))
                                 .order_by(InvraObservation.observed_on, InvraObservation.id)):
                latest[obs.candidate_id] = obs
            ranked = invra.rank(workplace, {cid: (latest[cid].scores if cid in latest else {}) for cid in ids})
            return [RankedCandidate(r.candidate_id, people[r.candidate_id].display_name,
                                    latest[r.candidate_id].observed_on if r.candidate_id in latest else None, r.match)
                    for r in ranked]

    def schedule(self, actor: Actor, case_id: int) -> list[TimelineEntry]:
        """Every evaluation and decision of the plan with its due date (moved by pauses) and status."""
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)
            data = dict(case.data)
        now = self.services.clock.now()
        return [_timeline_entry(data, m, now) for m in plan.schedule(data)]

    # the overview (one page: timeline, goals, hours vs cap, INVRA match) ---------------------
    def plan_overview(self, actor: Actor, case_id: int) -> PlanOverview:
        now = self.services.clock.now()
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)
            data = case.data
            spec = self.registry.get(case.workflow, case.workflow_version).spec
            candidate, doc = plan_reads.candidate_and_document(s, case)
            employer, harrie_name, contact_name = plan_reads.names(s, case, doc)
            goals = plan_reads.goals(s, case.id)
            evaluations = plan_reads.evaluations(s, case.id)
            observations = plan_reads.observations(s, case.id)
            hours = plan_reads.hours(s, case)
            labels = self._labels(s)
        self.services.log_read(actor, case.id, case.workflow, data, "plan")
        timeline = tuple(_timeline_entry(data, m, now) for m in plan.schedule(data))
        workplace = dict((data.get("vacancy") or {}).get("workplace_profile") or {})
        signoff = data.get("signoff") or {}
        return PlanOverview(
            case_id=case.id, state=case.state, state_label=spec.state_label(case.state),
            late=any(e.late for e in timeline) and not spec.state(case.state).final,
            paused_since=date.fromisoformat(data["pause"]["since"]) if data.get("pause") else None,
            outcome=data.get("outcome"),
            candidate_id=data["candidate_id"],
            candidate_name=candidate.display_name if candidate else "",
            function=(doc.function if doc and doc.function else (data.get("vacancy") or {}).get("title")),
            employer=employer,
            contact_name=contact_name if doc and doc.contact_user_id else None,
            harrie_name=harrie_name,
            start_date=plan.start_date(data), end_date=plan.plan_end(data),
            contract_hours=Decimal(str(data["contract_hours"])), fulltime=bool(data.get("fulltime")),
            contract=(data.get("contract") or {}).get("decision"),
            coaching_need=doc.coaching_need if doc else None,
            onboarding_programme=doc.onboarding_programme if doc else None,
            hours_distribution=doc.hours_distribution if doc else None,
            phases=tuple(PhaseLine(p.state, p.label, plan.phase_start(p.state, data), plan.phase_end(p.state, data),
                                   p.state == case.state or (case.state == "gepauzeerd" and p.state == (
                                       data.get("pause") or {}).get("state"))) for p in plan.PHASES),
            timeline=timeline,
            signoff=SignoffStatus(
                round=signoff.get("round"), document=signoff.get("document"),
                offered_on=date.fromisoformat(signoff["offered_on"]) if signoff else None,
                signed={p: date.fromisoformat(d) for p, d in (signoff.get("signed") or {}).items()},
                changed_since_offer=bool(signoff.get("changed"))),
            goals=goals, evaluations=evaluations, hours=hours,
            invra=InvraSummary(
                labels=labels, workplace=workplace, observations=observations,
                match=invra.match(observations[-1].scores, workplace) if observations and workplace else None,
                growth=invra.growth(observations[0].scores, observations[-1].scores) if len(observations) > 1
                else None),
        )


def _timeline_entry(data: Mapping[str, Any], m: plan.Milestone, now: datetime) -> TimelineEntry:
    record = plan.milestone_record(data, m.key)
    closed = record.get("closed")
    if closed:
        status = closed
    elif not record.get("opened_on"):
        status = "gepland"
    else:  # while paused nothing is late: resuming moves the date
        status = "te_laat" if now > plan.end_of_day(m.due_on) and not plan.is_paused(data) else "open"
    return TimelineEntry(m.key, m.label, m.kind, m.opens_on, m.due_on, status, record.get("evaluation_id"))
