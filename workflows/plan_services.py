"""Use cases of the candidate trajectplan, each one transaction, each one audited transition.

The plan's free text (the document, goals, evaluations, INVRA scores, hour notes) is written
to `workflows.plan_models` and the transition that records it names the row by id, in the
same transaction: both are stored or neither. Every id a caller passes is checked against
the plan it belongs to; cases are loaded through the access policy, so an id the actor may
not see behaves exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.clock import ensure_utc
from engine.errors import CaseNotFound, InvalidPayload, NotFound, NotPermitted, StaleCase
from engine.models import Case, Organisation, User
from engine.registry import Registry
from engine.runtime import TriggerOption, apply_transition, available_triggers, view_of
from engine.services import CaseSnapshot, Services
from engine.spec import Actor, Ctx, copy_data
from workflows import candidate_plan as plan
from workflows import coaching, invra
from workflows.company_records import FIRST_YEAR, LAST_YEAR, MAX_ID
from workflows.models import Candidate
from workflows.plan_models import (
    CoachingEntry,
    InvraLabel,
    InvraLabelSet,
    InvraObservation,
    PlanDocument,
    PlanEvaluation,
    PlanGoal,
    PlanGoalReview,
    PlanSetting,
    PlanSignoff,
)
from workflows.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER
from workflows.rules import CoachingRules, clean_settings, rules_from
from workflows.security import BSN_MESSAGE, contains_bsn

MAX_LINE = 200
MAX_TEXT = 5000
GOAL_OWNERS: dict[str, str] = {"kandidaat": "Kandidaat", "harrie": "Harrie", "job": "JoB",
                               "opdrachtgever": "Werkgever"}
GOAL_STATUSES: dict[str, str] = {"open": "Loopt", "behaald": "Behaald", "deels": "Deels behaald",
                                 "niet_behaald": "Niet behaald", "vervallen": "Vervallen"}
SKIP_REASONS: dict[str, str] = {
    "samengevoegd": "Samengevoegd met een andere evaluatie",
    "afwezig": "Kandidaat of Harrie langdurig afwezig",
    "niet_nodig": "In overleg niet nodig",
}
MILESTONE_STATUS: dict[str, str] = {
    "gepland": "Gepland", "open": "Open", "te_laat": "Te laat", "vastgelegd": "Vastgelegd",
    "overgeslagen": "Overgeslagen", "besloten": "Besloten",
}
_UNSET: Any = object()


# -- small validators (Dutch messages, one per field) -----------------------------------------


def _text(errors: dict[str, str], key: str, value: Any, *, required: bool = False,
          max_len: int = MAX_TEXT) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[key] = "Dit veld is verplicht."
        return None
    if not isinstance(value, str):
        errors[key] = "Vul tekst in."
        return None
    value = value.strip()
    if len(value) > max_len:
        errors[key] = f"Maximaal {max_len} tekens."
    elif "\x00" in value:
        errors[key] = "De invoer bevat een ongeldig teken."
    elif contains_bsn(value):
        errors[key] = BSN_MESSAGE
    return value


def _date(errors: dict[str, str], key: str, value: Any, *, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            errors[key] = "Vul een datum in."
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        errors[key] = "Vul een geldige datum in (jjjj-mm-dd)."
        return None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # the plan's date arithmetic would overflow
        errors[key] = f"Vul een datum tussen {FIRST_YEAR} en {LAST_YEAR} in."
        return None
    return parsed


def _id(value: Any) -> int | None:
    """A row id; 32 bits on PostgreSQL, so a larger number names no row (not a driver error)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
    return value if ok else None


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidPayload(errors)


# -- what the pages show --------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseLine:
    state: str
    label: str
    starts_on: date | None
    ends_on: date | None
    current: bool


@dataclass(frozen=True)
class TimelineEntry:
    key: str
    label: str
    kind: str
    opens_on: date
    due_on: date
    status: str
    evaluation_id: int | None

    @property
    def status_label(self) -> str:
        return MILESTONE_STATUS[self.status]

    @property
    def late(self) -> bool:
        return self.status == "te_laat"


@dataclass(frozen=True)
class SignoffStatus:
    round: int | None
    document: str | None
    offered_on: date | None
    signed: dict[str, date]
    changed_since_offer: bool

    @property
    def missing(self) -> list[str]:
        return [p for p in plan.PARTIES if p not in self.signed] if self.round else list(plan.PARTIES)

    @property
    def complete(self) -> bool:
        return bool(self.round) and not self.missing

    @property
    def label(self) -> str:
        if not self.complete:
            return "Niet ondertekend"
        return "Ondertekend, daarna gewijzigd" if self.changed_since_offer else "Ondertekend"


@dataclass(frozen=True)
class GoalLine:
    id: int
    specific: str
    measure: str
    target_date: date
    owner: str
    competence: str | None
    status: str

    @property
    def owner_label(self) -> str:
        return GOAL_OWNERS.get(self.owner, self.owner)

    @property
    def status_label(self) -> str:
        return GOAL_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class EvaluationLine:
    id: int
    milestone: str
    label: str
    due_on: date
    held_on: date
    discussed: str
    next_steps: str | None
    interview_candidate: str | None
    interview_harrie: str | None
    goal_reviews: tuple[tuple[int, str, str | None], ...]  # (goal id, status, note)


@dataclass(frozen=True)
class ObservationLine:
    id: int
    observed_on: date
    scores: dict[str, int]


@dataclass(frozen=True)
class InvraSummary:
    labels: dict[str, str]
    workplace: dict[str, int]
    observations: tuple[ObservationLine, ...]  # oldest first
    match: invra.Match | None  # latest observation against the vacancy's werkplekprofiel
    growth: invra.Growth | None  # first against latest observation


@dataclass(frozen=True)
class HoursLine:
    id: int
    worked_on: date
    hours: Decimal
    coach_id: int
    coach_name: str
    activity: str
    note: str | None
    over_cap: bool

    @property
    def activity_label(self) -> str:
        return coaching.ACTIVITIES.get(self.activity, self.activity)


@dataclass(frozen=True)
class HoursLogged:
    entry_id: int
    over_cap: bool
    warnings: list[str]


@dataclass(frozen=True)
class PlanOverview:
    case_id: int
    state: str
    state_label: str
    late: bool
    paused_since: date | None
    outcome: str | None
    candidate_id: int
    candidate_name: str
    function: str | None
    employer: str | None
    contact_name: str | None
    harrie_name: str | None
    start_date: date
    end_date: date
    contract_hours: Decimal
    fulltime: bool
    contract: str | None  # "ja" | "nee" | None
    coaching_need: str | None
    onboarding_programme: str | None
    hours_distribution: str | None
    phases: tuple[PhaseLine, ...]
    timeline: tuple[TimelineEntry, ...]
    signoff: SignoffStatus
    goals: tuple[GoalLine, ...]
    evaluations: tuple[EvaluationLine, ...]
    hours: coaching.HoursOverview
    invra: InvraSummary

    @property
    def status_label(self) -> str:
        """The phase, with 'te laat' when something fell due and was not recorded in time."""
        return f"{self.state_label} · te laat" if self.late else self.state_label

    @property
    def next_due(self) -> TimelineEntry | None:
        return next((e for e in self.timeline if e.status in ("open", "te_laat", "gepland")), None)


@dataclass(frozen=True)
class RankedCandidate:
    candidate_id: int
    name: str
    observed_on: date | None
    match: invra.Match


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
        stmt = select(Case).where(Case.id == case_id, Case.workflow == plan.NAME)
        if for_update and not self.services.db.sqlite:
            stmt = stmt.with_for_update()
        case = s.scalars(stmt).first()
        if case is None or not self.services.policy.can_see(actor, case):
            raise CaseNotFound(case_id)
        return case

    def _require_role(self, actor: Actor, trigger: str) -> None:
        """Refuse before any validation, so an outsider learns nothing from the messages."""
        if not any(actor.role in t.by for t in plan.WORKFLOW.transitions if t.trigger == trigger):
            raise NotPermitted(f"Uw rol mag de actie '{plan.WORKFLOW.label_for(trigger)}' niet uitvoeren.")

    def _fire(self, s: Session, actor: Actor, case: Case, trigger: str, payload: dict[str, Any] | None = None,
              *, reason: str | None = None) -> None:
        apply_transition(s, self.registry, case, trigger, actor, self.services.clock.now(), payload or {},
                         reason=reason)

    def _today(self) -> date:
        return self.services.clock.now().astimezone(plan.AMSTERDAM).date()

    def _simple(self, actor: Actor, case_id: int, trigger: str, payload: dict[str, Any] | None = None,
                *, reason: str | None = None) -> CaseSnapshot:
        self._require_role(actor, trigger)
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            self._fire(s, actor, case, trigger, payload, reason=reason)
            s.flush()
            return CaseSnapshot.of(case)

    def _employer_user(self, s: Session, user_id: Any, organisation_id: int | None, roles: tuple[str, ...],
                       field: str) -> User:
        user = s.get(User, user_id) if _id(user_id) else None
        if user is None or not user.active or user.role not in roles or user.organisation_id != organisation_id:
            raise InvalidPayload({field: "Kies een actieve medewerker van deze werkgever."})
        return user

    # (a plan is started by the hire in a company trajectory: Workflow.started_by, no use case here)

    # the plan document -------------------------------------------------------------------
    def update_document(
        self,
        actor: Actor,
        case_id: int,
        *,
        function: Any = _UNSET,
        contact_user_id: Any = _UNSET,
        coaching_need: Any = _UNSET,
        onboarding_programme: Any = _UNSET,
        hours_distribution: Any = _UNSET,
    ) -> None:
        """Bijlage 4: function, contact person (aanspreekpunt), coaching need, onboarding, hours."""
        self._require_role(actor, "update_plan")
        errors: dict[str, str] = {}
        texts = {}
        for key, value, max_len in (("function", function, MAX_LINE), ("coaching_need", coaching_need, MAX_TEXT),
                                    ("onboarding_programme", onboarding_programme, MAX_TEXT),
                                    ("hours_distribution", hours_distribution, MAX_TEXT)):
            if value is not _UNSET:
                texts[key] = _text(errors, key, value, max_len=max_len)
        if not texts and contact_user_id is _UNSET:
            errors["document"] = "Wijzig ten minste één onderdeel."
        _raise(errors)
        now = self.services.clock.now()
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            if contact_user_id is not _UNSET and contact_user_id is not None:
                self._employer_user(s, contact_user_id, case.organisation_id, (OPDRACHTGEVER, HARRIE),
                                    "contact_user_id")
            doc = s.get(PlanDocument, case.id) or PlanDocument(plan_case_id=case.id)
            for key, value in texts.items():
                setattr(doc, key, value)
            if contact_user_id is not _UNSET:
                doc.contact_user_id = contact_user_id
            doc.updated_at, doc.updated_by_id = now, actor.user_id
            s.add(doc)
            s.flush()
            filled = [k for k in plan.DOCUMENT_FIELDS if getattr(doc, k)]
            payload: dict[str, Any] = {"filled": filled}
            if contact_user_id is not _UNSET:
                payload["contact_user_id"] = contact_user_id
            self._fire(s, actor, case, "update_plan", payload)

    # SMART goals ------------------------------------------------------------------------
    def _clean_goal(self, errors: dict[str, str], data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("specific", "measure"):
            if key in data or not partial:
                out[key] = _text(errors, key, data.get(key), required=True, max_len=1000)
        if "target_date" in data or not partial:
            out["target_date"] = _date(errors, "target_date", data.get("target_date"))
        if "owner" in data or not partial:
            if data.get("owner") not in GOAL_OWNERS:
                errors["owner"] = "Kies wie verantwoordelijk is."
            out["owner"] = data.get("owner")
        if data.get("competence") not in (None, ""):
            code = invra.normalise_code(data["competence"])
            if code is None:
                errors["competence"] = "Kies een INVRA-competentie van 1 tot en met 38."
            out["competence"] = code
        elif "competence" in data:
            out["competence"] = None
        if "status" in data:
            if data["status"] not in GOAL_STATUSES:
                errors["status"] = "Kies een status."
            out["status"] = data["status"]
        return out

    def _check_target(self, errors: dict[str, str], case: Case, target: date | None) -> None:
        if target is None:
            return
        if target < plan.start_date(case.data) or target > plan.plan_end(case.data):
            errors["target_date"] = "Kies een streefdatum binnen het planjaar."

    def add_goal(self, actor: Actor, case_id: int, *, specific: str, measure: str, target_date: Any, owner: str,
                 competence: Any = None) -> int:
        """A SMART goal: specific text, how it is measured, a target date and who is responsible."""
        self._require_role(actor, "set_goal")
        errors: dict[str, str] = {}
        clean = self._clean_goal(errors, {"specific": specific, "measure": measure, "target_date": target_date,
                                          "owner": owner, "competence": competence}, partial=False)
        _raise(errors)
        now = self.services.clock.now()
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            self._check_target(errors, case, clean["target_date"])
            _raise(errors)
            goal = PlanGoal(plan_case_id=case.id, status="open", created_at=now, updated_at=now,
                            created_by_id=actor.user_id, **clean)
            s.add(goal)
            s.flush()
            self._fire(s, actor, case, "set_goal", {"goal_id": goal.id})
            return goal.id

    def update_goal(self, actor: Actor, case_id: int, goal_id: int, **changes: Any) -> None:
        self._require_role(actor, "set_goal")
        errors: dict[str, str] = {}
        unknown = set(changes) - {"specific", "measure", "target_date", "owner", "competence", "status"}
        if unknown or not changes:
            raise InvalidPayload({k: "Onbekend veld." for k in unknown} or {"goal": "Wijzig ten minste één veld."})
        clean = self._clean_goal(errors, changes, partial=True)
        _raise(errors)
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            goal = self._goal(s, case, goal_id)
            self._check_target(errors, case, clean.get("target_date"))
            _raise(errors)
            for key, value in clean.items():
                setattr(goal, key, value)
            goal.updated_at = self.services.clock.now()
            self._fire(s, actor, case, "set_goal", {"goal_id": goal.id})

    def _goal(self, s: Session, case: Case, goal_id: Any) -> PlanGoal:
        goal = s.get(PlanGoal, goal_id) if _id(goal_id) else None
        if goal is None or goal.plan_case_id != case.id:
            raise NotFound("Dit doel hoort niet bij dit trajectplan.", goal_id=goal_id)
        return goal

    # INVRA -------------------------------------------------------------------------------
    def record_observation(self, actor: Actor, case_id: int, *, observed_on: Any, scores: Any,
                           notes: str | None = None) -> int:
        """A person profile observed on a date (levels 1-3 per competence)."""
        self._require_role(actor, "record_observation")
        errors: dict[str, str] = {}
        on = _date(errors, "observed_on", observed_on)
        note = _text(errors, "notes", notes)
        try:
            profile = invra.clean_profile(scores)
        except InvalidPayload as exc:
            errors.update(exc.errors)
        if on is not None and on > self._today():
            errors["observed_on"] = "De datum ligt in de toekomst."
        _raise(errors)
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            row = InvraObservation(candidate_id=case.data["candidate_id"], plan_case_id=case.id, observed_on=on,
                                   observer_id=actor.user_id, scores=profile, notes=note,
                                   created_at=self.services.clock.now())
            s.add(row)
            s.flush()
            self._fire(s, actor, case, "record_observation",
                       {"observation_id": row.id, "observed_on": on.isoformat()})  # type: ignore[union-attr]
            return row.id

    # evaluations and the contract decision --------------------------------------------------
    def record_evaluation(
        self,
        actor: Actor,
        case_id: int,
        *,
        milestone: str,
        held_on: Any,
        discussed: str,
        next_steps: str | None = None,
        interview_candidate: str | None = None,
        interview_harrie: str | None = None,
        goal_reviews: Iterable[Mapping[str, Any]] = (),
    ) -> int:
        """What was discussed, each goal's status and note, and the next steps."""
        self._require_role(actor, "record_evaluation")
        errors: dict[str, str] = {}
        if milestone not in plan.KIND_BY_KEY:
            errors["milestone"] = "Kies een evaluatie uit het plan."
        held = _date(errors, "held_on", held_on)
        texts = {
            "discussed": _text(errors, "discussed", discussed, required=True),
            "next_steps": _text(errors, "next_steps", next_steps),
            "interview_candidate": _text(errors, "interview_candidate", interview_candidate,
                                         required=milestone == "invra_observatie"),
            "interview_harrie": _text(errors, "interview_harrie", interview_harrie,
                                      required=milestone == "invra_observatie"),
        }
        reviews: list[tuple[int, str, str | None]] = []
        for i, review in enumerate(goal_reviews):
            gid = _id(review.get("goal_id"))
            if gid is None or review.get("status") not in GOAL_STATUSES:
                errors[f"goal_reviews.{i}"] = "Kies per doel een status."
                continue
            reviews.append((gid, review["status"], _text(errors, f"goal_reviews.{i}.note", review.get("note"))))
        if len({r[0] for r in reviews}) != len(reviews):
            errors["goal_reviews"] = "Elk doel wordt één keer geëvalueerd."
        if held is not None and held > self._today():
            errors["held_on"] = "De datum ligt in de toekomst."
        _raise(errors)
        try:
            with self._write(case_id) as s:
                case = self._load(s, actor, case_id, for_update=True)
                due = plan.milestone(case.data, milestone)
                existing = s.scalars(select(PlanEvaluation).where(
                    PlanEvaluation.plan_case_id == case.id, PlanEvaluation.milestone == milestone)).first()
                if existing is not None:
                    raise InvalidPayload({"milestone": _twice(existing)})
                if held is not None and held < plan.start_date(case.data):
                    raise InvalidPayload({"held_on": "De datum ligt voor de start van het trajectplan."})
                if due is None:
                    raise InvalidPayload({"milestone": "Deze evaluatie hoort niet (meer) bij dit plan."})
                row = PlanEvaluation(plan_case_id=case.id, milestone=milestone, due_on=due.due_on, held_on=held,
                                     recorded_at=self.services.clock.now(), recorded_by_id=actor.user_id, **texts)
                s.add(row)
                s.flush()
                for gid, status, note in reviews:
                    goal = self._goal(s, case, gid)
                    goal.status = status
                    s.add(PlanGoalReview(evaluation_id=row.id, goal_id=gid, status=status, note=note))
                self._fire(s, actor, case, "record_evaluation", {"milestone": milestone, "evaluation_id": row.id})
                return row.id
        except IntegrityError as exc:  # the same evaluation recorded at the same moment elsewhere
            raise InvalidPayload({"milestone": "Deze evaluatie is al vastgelegd."}) from exc

    def skip_evaluation(self, actor: Actor, case_id: int, *, milestone: str, reason: str) -> CaseSnapshot:
        if reason not in SKIP_REASONS:
            self._require_role(actor, "skip_evaluation")
            raise InvalidPayload({"reason": "Kies een reden."})
        return self._simple(actor, case_id, "skip_evaluation", {"milestone": milestone},
                            reason=SKIP_REASONS[reason])

    def decide_contract(self, actor: Actor, case_id: int, *, contract: bool, reason: str | None = None
                        ) -> CaseSnapshot:
        """End of the proefplaatsing: a contract (the plan goes on) or none (the plan ends)."""
        if contract:
            return self._simple(actor, case_id, "offer_contract")
        return self._simple(actor, case_id, "no_contract", {"reason": reason})

    # three-party agreement ---------------------------------------------------------------
    def offer_for_signature(self, actor: Actor, case_id: int, document: str = "trajectplan") -> CaseSnapshot:
        return self._simple(actor, case_id, "offer_for_signature", {"document": document})

    def sign(self, actor: Actor, case_id: int, *, party: str, round: int, signed_on: Any = None) -> int:
        """A party signs the version it was shown (`round`); JoB records the candidate's signature."""
        self._require_role(actor, "sign")
        errors: dict[str, str] = {}
        on = _date(errors, "signed_on", signed_on, required=False) or self._today()
        if on > self._today():
            errors["signed_on"] = "De datum ligt in de toekomst."
        _raise(errors)
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            self._fire(s, actor, case, "sign", {"party": party, "round": round})
            signoff = case.data["signoff"]
            if on < date.fromisoformat(signoff["offered_on"]):
                raise InvalidPayload({"signed_on": "De datum ligt voor het aanbieden van deze versie."})
            row = PlanSignoff(plan_case_id=case.id, round=round, document=signoff["document"], party=party,
                              signed_on=on, recorded_by_id=actor.user_id, recorded_at=self.services.clock.now())
            s.add(row)
            s.flush()
            return row.id

    # schedule, pause, stop, close --------------------------------------------------------
    def adjust_schedule(self, actor: Actor, case_id: int, **values: Any) -> CaseSnapshot:
        return self._simple(actor, case_id, "adjust_schedule", values)

    def pause(self, actor: Actor, case_id: int, *, reason: str) -> CaseSnapshot:
        return self._simple(actor, case_id, "pause", {"reason": reason})

    def resume(self, actor: Actor, case_id: int) -> CaseSnapshot:
        return self._simple(actor, case_id, "resume")

    def stop(self, actor: Actor, case_id: int, *, reason: str) -> CaseSnapshot:
        return self._simple(actor, case_id, "stop", {"reason": reason})

    def close(self, actor: Actor, case_id: int) -> CaseSnapshot:
        return self._simple(actor, case_id, "close_plan")

    # coaching hours ----------------------------------------------------------------------
    def log_hours(self, actor: Actor, case_id: int, *, worked_on: Any, hours: Any, activity: str,
                  coach_id: int | None = None, note: str | None = None) -> HoursLogged:
        """Log hours; beyond a budget it is stored anyway, flagged, with a warning."""
        self._require_role(actor, "log_hours")
        errors: dict[str, str] = {}
        on = _date(errors, "worked_on", worked_on)
        try:
            minutes = coaching.parse_hours(hours)
        except InvalidPayload as exc:
            errors.update(exc.errors)
        if activity not in coaching.ACTIVITIES:
            errors["activity"] = "Kies een activiteit."
        note = _text(errors, "note", note, max_len=coaching.MAX_NOTE)
        _raise(errors)
        now = self.services.clock.now()
        with self._write(case_id) as s:
            case = self._load(s, actor, case_id, for_update=True)
            coach_user = s.get(User, coach_id if coach_id is not None else actor.user_id)
            if coach_user is None or not coach_user.active or coach_user.role != JOB:
                raise InvalidPayload({"coach_id": "Kies een actieve jobcoach van JoB."})
            last_day = self._today()
            if case.closed_at is not None:
                last_day = min(last_day, ensure_utc(case.closed_at).astimezone(plan.AMSTERDAM).date())
            coaching.check_entry_date(on, plan.start_date(case.data), last_day)  # type: ignore[arg-type]
            day_total = s.scalar(select(func.coalesce(func.sum(CoachingEntry.minutes), 0)).where(
                CoachingEntry.plan_case_id == case.id, CoachingEntry.worked_on == on)) or 0
            coaching.check_day_total(int(day_total), minutes, on)  # type: ignore[arg-type]
            rules = self._rules(s)
            entries = [*self._entries(s, case.id), coaching.Entry(on, minutes)]  # type: ignore[arg-type]
            view = self._hours_view(case, entries, rules)
            flagged = coaching.over_cap(view, on)  # type: ignore[arg-type]
            row = CoachingEntry(plan_case_id=case.id, worked_on=on, minutes=minutes, coach_id=coach_user.id,
                                activity=activity, note=note, over_cap=flagged, created_at=now,
                                created_by_id=actor.user_id)
            s.add(row)
            s.flush()
            self._fire(s, actor, case, "log_hours", {"entry_id": row.id, "over_cap": flagged})
            return HoursLogged(row.id, flagged, coaching.warnings_for(view, on))  # type: ignore[arg-type]

    def _entries(self, s: Session, case_id: int) -> list[coaching.Entry]:
        rows = s.execute(select(CoachingEntry.worked_on, CoachingEntry.minutes).where(
            CoachingEntry.plan_case_id == case_id)).all()
        return [coaching.Entry(on, minutes) for on, minutes in rows]

    def _hours_view(self, case: Case, entries: list[coaching.Entry], rules: CoachingRules) -> coaching.HoursOverview:
        return coaching.overview(
            entries, start=plan.start_date(case.data), contract_hours=Decimal(str(case.data["contract_hours"])),
            fulltime=bool(case.data.get("fulltime")),
            proefplaatsing_months=plan.schedule_value(case.data, "proefplaatsing_months"), rules=rules)

    def hours_log(self, actor: Actor, case_id: int) -> list[HoursLine]:
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)
            rows = s.execute(select(CoachingEntry, User.name).join(User, User.id == CoachingEntry.coach_id).where(
                CoachingEntry.plan_case_id == case.id).order_by(CoachingEntry.worked_on, CoachingEntry.id)).all()
            return [HoursLine(e.id, e.worked_on, coaching.minutes_to_hours(e.minutes), e.coach_id, name, e.activity,
                              e.note, e.over_cap) for e, name in rows]

    # settings ----------------------------------------------------------------------------
    def _rules(self, s: Session) -> CoachingRules:
        values = {k: Decimal(v) for k, v in s.execute(select(PlanSetting.key, PlanSetting.value)).all()}
        return rules_from(values)

    def coaching_rules(self) -> CoachingRules:
        with self.services.db.read() as s:
            return self._rules(s)

    def update_settings(self, actor: Actor, values: Mapping[str, Any]) -> CoachingRules:
        """An administrator changes the money settings (rate, UWV shares, onboarding maximum)."""
        if actor.role != ADMIN:
            raise NotPermitted("Alleen een beheerder kan de instellingen wijzigen.")
        clean = clean_settings(values)
        now = self.services.clock.now()
        with self._write() as s:
            for key, value in clean.items():
                row = s.get(PlanSetting, key) or PlanSetting(key=key)
                row.value, row.updated_at, row.updated_by_id = str(value), now, actor.user_id
                s.add(row)
            s.flush()
            return self._rules(s)

    # INVRA labels and ranking ----------------------------------------------------------------
    def load_invra_labels(self, actor: Actor, *, name: str, text: str) -> int:
        """An administrator loads the organisation's licensed labels; the new set replaces the old."""
        if actor.role != ADMIN:
            raise NotPermitted("Alleen een beheerder kan INVRA-omschrijvingen laden.")
        errors: dict[str, str] = {}
        title = _text(errors, "name", name, required=True, max_len=MAX_LINE)
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
        active = s.scalar(select(InvraLabelSet.id).where(InvraLabelSet.active.is_(True))
                          .order_by(InvraLabelSet.id.desc()).limit(1))
        loaded = dict(s.execute(select(InvraLabel.code, InvraLabel.label).where(InvraLabel.set_id == active)).all()
                      ) if active else {}
        return invra.labels(loaded)

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

    def actions(self, actor: Actor, case_id: int, payloads: Mapping[str, dict[str, Any]] | None = None
                ) -> list[TriggerOption]:
        """What the actor can do on the plan now, with the reason for what is not possible.

        Like `Services.triggers_for`, plus the preconditions the plan's effects check (see
        `candidate_plan.checked`); `payloads` gives an example payload per trigger, e.g.
        `{"sign": {"party": "opdrachtgever"}}`.
        """
        payloads = payloads or {}
        now = self.services.clock.now()
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)
            compiled = self.registry.get(case.workflow, case.workflow_version)
            options = []
            for option in available_triggers(compiled, case, actor, now):
                reason = option.reason
                if reason is None:
                    for t in compiled.spec.transitions_for(case.state, option.trigger):
                        data = copy_data(case.data)
                        ctx = Ctx(now=now, actor=actor, trigger=option.trigger, case=view_of(case, data),
                                  payload=dict(payloads.get(option.trigger, {})), data=data)
                        for g in getattr(t.effect, "preconditions", ()):
                            reason = reason or g.check(ctx.case, ctx)
                        break
                options.append(TriggerOption(option.trigger, option.label, reason is None, reason))
            return options

    # the overview (one page: timeline, goals, hours vs cap, INVRA match) ---------------------
    def plan_overview(self, actor: Actor, case_id: int) -> PlanOverview:
        now = self.services.clock.now()
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)
            data = case.data
            spec = self.registry.get(case.workflow, case.workflow_version).spec
            doc = s.get(PlanDocument, case.id)
            candidate = s.get(Candidate, data["candidate_id"])
            employer = s.get(Organisation, case.organisation_id) if case.organisation_id else None
            names = dict(s.execute(select(User.id, User.name).where(User.id.in_(
                [i for i in (data.get("harrie_user_id"), doc.contact_user_id if doc else None) if i]))).all())
            goals = tuple(GoalLine(g.id, g.specific, g.measure, g.target_date, g.owner, g.competence, g.status)
                          for g in s.scalars(select(PlanGoal).where(PlanGoal.plan_case_id == case.id)
                                             .order_by(PlanGoal.target_date, PlanGoal.id)))
            evaluations = self._evaluations(s, case.id)
            observations = tuple(ObservationLine(o.id, o.observed_on, dict(o.scores)) for o in s.scalars(
                select(InvraObservation).where(InvraObservation.plan_case_id == case.id)
                .order_by(InvraObservation.observed_on, InvraObservation.id)))
            hours = self._hours_view(case, self._entries(s, case.id), self._rules(s))
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
            employer=employer.name if employer else None,
            contact_name=names.get(doc.contact_user_id) if doc and doc.contact_user_id else None,
            harrie_name=names.get(data.get("harrie_user_id")),
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

    def _evaluations(self, s: Session, case_id: int) -> tuple[EvaluationLine, ...]:
        rows = s.scalars(select(PlanEvaluation).where(PlanEvaluation.plan_case_id == case_id)
                         .order_by(PlanEvaluation.due_on, PlanEvaluation.id)).all()
        reviews: dict[int, list[tuple[int, str, str | None]]] = {}
        if rows:
            for r in s.scalars(select(PlanGoalReview).where(PlanGoalReview.evaluation_id.in_([e.id for e in rows]))
                               .order_by(PlanGoalReview.id)):
                reviews.setdefault(r.evaluation_id, []).append((r.goal_id, r.status, r.note))
        return tuple(EvaluationLine(e.id, e.milestone, plan.KIND_BY_KEY[e.milestone].label, e.due_on, e.held_on,
                                    e.discussed, e.next_steps, e.interview_candidate, e.interview_harrie,
                                    tuple(reviews.get(e.id, ()))) for e in rows)


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


def _twice(existing: PlanEvaluation) -> str:
    return (f"{plan.KIND_BY_KEY[existing.milestone].label} (datum {coaching.nl_date(existing.due_on)}) is al "
            f"vastgelegd op {coaching.nl_date(ensure_utc(existing.recorded_at).astimezone(plan.AMSTERDAM).date())}.")
