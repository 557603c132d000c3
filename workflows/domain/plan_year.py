"""The plan year's vocabulary and calendar: reasons and parties, the phases with their dates,
and the milestones that fall due, all pure functions of the case data (start date plus paused
days), so pausing moves every pending date and a page can compute the year without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from engine.spec import Ctx
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.domain.rules import add_months, schedule_value

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Outcomes reported to the company trajectory (`plan_finished`).
AFGEROND, GESTOPT, GEEN_CONTRACT = "afgerond", "gestopt", "geen_contract"

STOP_REASONS: dict[str, str] = {
    "uitval": "Uitval",
    "ziekte": "Ziekte",
    "ander_werk": "Ander werk gevonden",
    "verhuizing": "Verhuizing",
    "werkgever": "Werkgever stopt",
    "anders": "Anders",
}
PAUSE_REASONS: dict[str, str] = {
    "ziekte": "Ziekte",
    "verlof": "Verlof",
    "werkgever": "Werkgever (bijv. tijdelijk geen werk)",
    "anders": "Anders",
}
NO_CONTRACT_REASONS: dict[str, str] = {
    "werk_past_niet": "Het werk past niet",
    "werkgever": "Werkgever ziet af van een contract",
    "kandidaat": "Kandidaat ziet af van een contract",
    "anders": "Anders",
}
PARTIES: dict[str, str] = {"kandidaat": "Kandidaat", "opdrachtgever": "Werkgever", "job": "JoB"}
# Who records which party's signature: the candidate signs on paper, JoB records it.
SIGNED_BY_ROLE: dict[str, str] = {"kandidaat": JOB, "opdrachtgever": OPDRACHTGEVER, "job": JOB}
DOCUMENTS: dict[str, str] = {"trajectplan": "Trajectplan", "actieplan": "Actieplan"}
DOCUMENT_FIELDS = ("function", "contact_user_id", "coaching_need", "onboarding_programme", "hours_distribution")
MAX_REGULAR = 10  # regular evaluations that fit in months 3-12 at the shortest interval (4 weeks)


# -- dates: everything from the start date plus the paused days ----------------------------


def start_date(data: Mapping[str, Any]) -> date:
    return date.fromisoformat(data["start_date"])


def paused_days(data: Mapping[str, Any]) -> int:
    return int(data.get("paused_days") or 0)


def today(ctx: Ctx) -> date:
    """The calendar day in the Netherlands at the moment of the action."""
    return ctx.now.astimezone(AMSTERDAM).date()


def local_midnight(day: date) -> datetime:
    """Timers fire at the start of a Dutch calendar day (stored, like every moment, in UTC)."""
    return datetime.combine(day, time(0, 0), AMSTERDAM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """A task due on a day is late once that Dutch day is over."""
    return datetime.combine(day, time(23, 59), AMSTERDAM).astimezone(UTC)


@dataclass(frozen=True)
class Phase:
    state: str
    label: str
    description: str
    ends: Callable[[date], date] | None  # first day of the next phase, from the start date
    next_trigger: str | None
    next_label: str = ""


PHASES: tuple[Phase, ...] = (
    Phase("voorbereiding", "Voorbereiding", "Trajectplan opstellen en ondertekenen vóór de startdatum",
          lambda s: s, "begin_inwerken", "Start inwerken"),
    Phase("inwerken", "Inwerken (week 1-2)", "Volledige begeleiding door JoB in overleg met Harrie",
          lambda s: s + timedelta(days=14), "begin_afbouw", "Start afbouw begeleiding"),
    Phase("afbouw", "Afbouw (week 3-4)", "Begeleiding afbouwen waar mogelijk, maatwerk met Harrie; "
          "evaluatie week 4 met introductie INVRA", lambda s: add_months(s, 1), "begin_maand2", "Start maand 2"),
    Phase("invra_observatie", "Maand 2: INVRA-observatie", "INVRA-observatie en interviews met kandidaat en "
          "Harrie; einde proefplaatsing", lambda s: add_months(s, 2), "begin_maand3", "Start maand 3"),
    Phase("actieplan", "Maand 3: INVRA-evaluatie en actieplan", "Persoonsprofiel en actieplan met "
          "ontwikkeldoelen", lambda s: add_months(s, 3), "begin_vervolg", "Start vervolg"),
    Phase("vervolg", "Maand 3-12: vervolg", "Regelmatige evaluatie en bijstelling van INVRA en actieplan",
          lambda s: add_months(s, 11), "begin_afsluiting", "Start maand 12"),
    Phase("afsluiting", "Maand 12: afsluiting", "Eindevaluatie; daarna sluit JoB het plan af", None, None),
)
OPEN_PHASES: tuple[str, ...] = tuple(p.state for p in PHASES)
STARTED_PHASES: tuple[str, ...] = OPEN_PHASES[1:]
FINAL_STATES = ("afgerond", "gestopt", "geen_contract")
PHASE_BY_STATE = {p.state: p for p in PHASES}


def phase_start(state: str, data: Mapping[str, Any]) -> date | None:
    """The (shifted) first day of a phase; None for the preparation before the start."""
    index = OPEN_PHASES.index(state)
    if index == 0:
        return None
    previous = PHASES[index - 1]
    return previous.ends(start_date(data)) + timedelta(days=paused_days(data))  # type: ignore[misc]


def phase_end(state: str, data: Mapping[str, Any]) -> date | None:
    phase = PHASE_BY_STATE[state]
    if phase.ends is None:
        return None
    return phase.ends(start_date(data)) + timedelta(days=paused_days(data))


def plan_end(data: Mapping[str, Any]) -> date:
    return add_months(start_date(data), 12) + timedelta(days=paused_days(data))


# -- milestones: what falls due -------------------------------------------------------------

EVALUATION, DECISION = "evaluatie", "besluit"


@dataclass(frozen=True)
class MilestoneKind:
    key: str
    label: str
    kind: str
    roles: tuple[tuple[str, str], ...]  # (role, task title)


def _evaluation_roles(job: str, harrie: str, contact: str) -> tuple[tuple[str, str], ...]:
    return ((JOB, job), (HARRIE, harrie), (OPDRACHTGEVER, contact))


MILESTONE_KINDS: tuple[MilestoneKind, ...] = (
    MilestoneKind("week4", "Evaluatie week 4: voortgang en introductie INVRA", EVALUATION, _evaluation_roles(
        "Evaluatie week 4 houden: voortgang en introductie INVRA",
        "Evaluatie week 4 bijwonen: voortgang en introductie INVRA",
        "Evaluatie week 4 bijwonen (aanspreekpunt)")),
    MilestoneKind("invra_observatie", "INVRA-observatie en interviews kandidaat en Harrie", EVALUATION, (
        (JOB, "INVRA-observatie doen en kandidaat en Harrie interviewen"),
        (HARRIE, "INVRA-interview als dagelijks begeleider"))),
    MilestoneKind("proefplaatsing", "Besluit na de proefplaatsing: contract ja of nee", DECISION, (
        (OPDRACHTGEVER, "Besluiten over een contract na de proefplaatsing"),
        (JOB, "Besluit over een contract na de proefplaatsing afstemmen met de werkgever"))),
    MilestoneKind("maand3", "INVRA-evaluatie: persoonsprofiel en actieplan", EVALUATION, _evaluation_roles(
        "INVRA-evaluatie houden: persoonsprofiel en actieplan opstellen",
        "INVRA-evaluatie en actieplan bespreken",
        "INVRA-evaluatie en actieplan bespreken (aanspreekpunt)")),
    *(
        MilestoneKind(f"evaluatie_{k}", f"Evaluatie actieplan {k}", EVALUATION, _evaluation_roles(
            f"Evaluatie actieplan {k} houden en actieplan bijstellen",
            f"Evaluatie actieplan {k} bijwonen",
            f"Evaluatie actieplan {k} bijwonen (aanspreekpunt)"))
        for k in range(1, MAX_REGULAR + 1)
    ),
    MilestoneKind("eind", "Eindevaluatie (maand 12)", EVALUATION, _evaluation_roles(
        "Eindevaluatie trajectplan houden", "Eindevaluatie bijwonen", "Eindevaluatie bijwonen (aanspreekpunt)")),
)
KIND_BY_KEY = {k.key: k for k in MILESTONE_KINDS}


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    kind: str
    due_on: date
    opens_on: date


def _base_dates(data: Mapping[str, Any]) -> tuple[tuple[str, date], ...]:
    """Unshifted due dates: the last day of the period each milestone closes."""
    return _base_dates_from(data["start_date"], schedule_value(data, "evaluation_interval_weeks"),
                            schedule_value(data, "proefplaatsing_months"))


@lru_cache(maxsize=1024)
def _base_dates_from(start: str, interval_weeks: int, proefplaatsing_months: int) -> tuple[tuple[str, date], ...]:
    """Pure in its three inputs, and asked once per timer and page: computed once per plan."""
    s = date.fromisoformat(start)
    day = timedelta(days=1)
    interval = timedelta(weeks=interval_weeks)
    month3, month12 = add_months(s, 3) - day, add_months(s, 12) - day
    dates = [
        ("week4", s + timedelta(weeks=4) - day),
        ("invra_observatie", add_months(s, 2) - timedelta(weeks=1) - day),
        ("proefplaatsing", add_months(s, proefplaatsing_months) - day),
        ("maand3", month3),
    ]
    # Regular evaluations every interval after month 3, none closer than half an interval to month 12.
    k, due = 1, month3 + interval
    while k <= MAX_REGULAR and due <= month12 - interval / 2:
        dates.append((f"evaluatie_{k}", due))
        k, due = k + 1, due + interval
    dates.append(("eind", month12))
    return tuple(dates)


def _milestone(key: str, base: date, shift: timedelta, notice: timedelta, done: Mapping[str, Any]) -> Milestone:
    """One milestone: a closed one keeps the date it had, an open one moves with the pauses."""
    frozen = (done.get(key) or {}).get("due_on")
    due = date.fromisoformat(frozen) if frozen else base + shift
    kind = KIND_BY_KEY[key]
    return Milestone(key, kind.label, kind.kind, due, due - notice)


def _moves(data: Mapping[str, Any]) -> tuple[timedelta, timedelta, Mapping[str, Any]]:
    """What every milestone's date depends on beyond its base date: pauses, notice, closed ones."""
    return (timedelta(days=paused_days(data)), timedelta(days=schedule_value(data, "notice_days")),
            data.get("milestones") or {})


def schedule(data: Mapping[str, Any]) -> list[Milestone]:
    """Every milestone of the plan in date order. A closed milestone keeps the date it had."""
    shift, notice, done = _moves(data)
    out = [_milestone(key, base, shift, notice, done) for key, base in _base_dates(data)]
    out.sort(key=lambda m: (m.due_on, m.key))
    return out


def milestone(data: Mapping[str, Any], key: str) -> Milestone | None:
    """One milestone of `schedule(data)` (each timer asks for its own: not the whole year each time)."""
    base = next((b for k, b in _base_dates(data) if k == key), None)
    return None if base is None else _milestone(key, base, *_moves(data))


def milestone_record(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    return dict((data.get("milestones") or {}).get(key) or {})


def is_opened(data: Mapping[str, Any], key: str) -> bool:
    return bool(milestone_record(data, key).get("opened_on"))


def is_closed(data: Mapping[str, Any], key: str) -> bool:
    return bool(milestone_record(data, key).get("closed"))


def is_paused(data: Mapping[str, Any]) -> bool:
    return bool(data.get("pause"))


def is_pending(data: Mapping[str, Any], key: str) -> bool:
    """Fallen due (its tasks open) and neither recorded, decided nor skipped."""
    return is_opened(data, key) and not is_closed(data, key)


def late_milestones(data: Mapping[str, Any], now: datetime) -> list[Milestone]:
    return [m for m in schedule(data) if is_pending(data, m.key) and now > end_of_day(m.due_on)]
