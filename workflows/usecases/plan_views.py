"""What the plan's pages and the API show: detached, read-only pictures built by `PlanServices`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, invra
from workflows.domain.plan_actions import GOAL_OWNERS, GOAL_STATUSES

MILESTONE_STATUS: dict[str, str] = {
    "gepland": "Gepland", "open": "Open", "te_laat": "Te laat", "vastgelegd": "Vastgelegd",
    "overgeslagen": "Overgeslagen", "besloten": "Besloten",
}


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
