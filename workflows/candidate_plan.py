"""The candidate trajectplan: one year, month by month, from the start date (DOMAIN.md §2).

Read it as five tables:
- PHASES: the plan moves through them by the calendar alone (timers at each boundary):
  voorbereiding → inwerken (weeks 1-2) → afbouw (weeks 3-4) → maand 2 (INVRA observation,
  end of the proefplaatsing) → maand 3 (INVRA evaluation, action plan) → vervolg (months
  3-12) → afsluiting (month 12) → afgerond. A late evaluation never holds the year up.
- MILESTONES: what falls due and when, with who gets a task. Each milestone's tasks open
  `notice_days` before its date and stay open (in every phase) until it is recorded or
  skipped; after its date the plan shows "te laat".
- TRANSITIONS (trigger, from, to, only if, who), TIMERS and TASKS.

Pausing leaves the phase (its timers are cancelled, the tasks close); resuming returns to it
and every pending date moves by the paused days, because all dates are computed from the
start date plus `paused_days` (pure functions of the case data). The plan's free text lives
in `workflows.plan_models`; actions name those rows by id (`workflows.plan_services`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from engine.errors import GuardRejected, InvalidPayload
from engine.spec import (
    ANY_STATE,
    SYSTEM,
    CaseView,
    Ctx,
    Guard,
    State,
    TaskSpec,
    Timer,
    Transition,
    Workflow,
    guard,
)
from workflows.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.rules import add_months, clean_schedule, schedule_value

NAME = "candidate_plan"
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


def schedule(data: Mapping[str, Any]) -> list[Milestone]:
    """Every milestone of the plan in date order. A closed milestone keeps the date it had."""
    shift = timedelta(days=paused_days(data))
    notice = timedelta(days=schedule_value(data, "notice_days"))
    done = data.get("milestones") or {}
    out = []
    for key, base in _base_dates(data):
        frozen = (done.get(key) or {}).get("due_on")
        due = date.fromisoformat(frozen) if frozen else base + shift
        kind = KIND_BY_KEY[key]
        out.append(Milestone(key, kind.label, kind.kind, due, due - notice))
    out.sort(key=lambda m: (m.due_on, m.key))
    return out


def milestone(data: Mapping[str, Any], key: str) -> Milestone | None:
    return next((m for m in schedule(data) if m.key == key), None)


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


# -- timers ---------------------------------------------------------------------------------


def _phase_end_at(case: CaseView, entered: datetime) -> datetime | None:
    end = phase_end(case.state, case.data)
    return local_midnight(end) if end is not None else None


def _opens_at(key: str) -> Callable[[CaseView, datetime], datetime | None]:
    """The moment a milestone falls due, if that happens in the phase the case is in."""

    def opens_at(case: CaseView, entered: datetime) -> datetime | None:
        m = milestone(case.data, key)
        if m is None or is_opened(case.data, key) or is_closed(case.data, key):
            return None
        end = phase_end(case.state, case.data)
        if end is not None and m.opens_on >= end:
            return None  # the next phase schedules it
        return local_midnight(m.opens_on)

    opens_at.__name__ = f"opens_{key}"
    return opens_at


TIMERS: tuple[Timer, ...] = (
    *(Timer(in_state=p.state, fire=p.next_trigger, after=_phase_end_at, name=p.next_trigger)
      for p in PHASES if p.next_trigger),
    *(Timer(in_state=p.state, fire=f"open_{k.key}", after=_opens_at(k.key), name=f"open_{k.key}")
      for p in PHASES for k in MILESTONE_KINDS),
)


# -- payload cleaners -----------------------------------------------------------------------


def _int_id(payload: Mapping[str, Any], key: str, errors: dict[str, str]) -> int | None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors[key] = "Ontbrekende of ongeldige verwijzing."
        return None
    return value


def _only(payload: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, str]:
    return {k: "Onbekend veld." for k in payload if k not in allowed}


def _choice(payload: Mapping[str, Any], key: str, choices: Mapping[str, str], errors: dict[str, str]) -> str | None:
    value = payload.get(key)
    if value not in choices:
        errors[key] = "Kies een van de mogelijkheden."
        return None
    return value


def no_fields(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ())
    if errors:
        raise InvalidPayload(errors)
    return {}


def clean_reason(choices: Mapping[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A reason from a fixed list: categories, never free text about a person in the audit trail."""

    def clean(payload: dict[str, Any]) -> dict[str, Any]:
        errors = _only(payload, ("reason",))
        reason = _choice(payload, "reason", choices, errors)
        if errors:
            raise InvalidPayload(errors)
        return {"reason": reason}

    return clean


def clean_milestone_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("milestone", "evaluation_id"))
    key = _choice(payload, "milestone", KIND_BY_KEY, errors)
    out: dict[str, Any] = {"milestone": key}
    if "evaluation_id" in payload:
        out["evaluation_id"] = _int_id(payload, "evaluation_id", errors)
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_row_ref(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`{key: id}` of a row the plan services wrote in the same transaction."""

    def clean(payload: dict[str, Any]) -> dict[str, Any]:
        errors = _only(payload, (key,))
        out = {key: _int_id(payload, key, errors)}
        if errors:
            raise InvalidPayload(errors)
        return out

    return clean


def clean_observation_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("observation_id", "observed_on"))
    out: dict[str, Any] = {"observation_id": _int_id(payload, "observation_id", errors)}
    try:
        out["observed_on"] = date.fromisoformat(str(payload.get("observed_on"))).isoformat()
    except ValueError:
        errors["observed_on"] = "Vul een geldige datum in."
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_document(payload: dict[str, Any]) -> dict[str, Any]:
    """`filled`: the parts of Bijlage 4 that are filled in after the change (no text itself)."""
    errors = _only(payload, ("filled", "contact_user_id"))
    filled = payload.get("filled")
    if not isinstance(filled, list) or not all(f in DOCUMENT_FIELDS for f in filled):
        errors["filled"] = "Onbekende onderdelen van het trajectplan."
    out: dict[str, Any] = {"filled": filled}
    if "contact_user_id" in payload:
        out["contact_user_id"] = None if payload["contact_user_id"] is None else _int_id(
            payload, "contact_user_id", errors)
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_hours_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("entry_id", "over_cap"))
    out: dict[str, Any] = {"entry_id": _int_id(payload, "entry_id", errors), "over_cap": payload.get("over_cap")}
    if not isinstance(out["over_cap"], bool):
        errors["over_cap"] = "Ontbrekende of ongeldige waarde."
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_offer(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("document",))
    document = _choice(payload, "document", DOCUMENTS, errors)
    if errors:
        raise InvalidPayload(errors)
    return {"document": document}


def clean_sign(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("party", "round"))
    party = _choice(payload, "party", PARTIES, errors)
    round_ = _int_id(payload, "round", errors)
    if errors:
        raise InvalidPayload(errors)
    return {"party": party, "round": round_}


def clean_schedule_change(payload: dict[str, Any]) -> dict[str, Any]:
    if not payload:
        raise InvalidPayload({"schedule": "Wijzig ten minste één instelling."})
    return clean_schedule(payload)


# -- guards: the "only if" column -----------------------------------------------------------


def _payload_milestone(ctx: Ctx) -> Milestone | None:
    key = ctx.payload.get("milestone")
    return milestone(ctx.data, key) if key else None


def _not_open_reason(case: CaseView, ctx: Ctx) -> str:
    m = _payload_milestone(ctx)
    if m is None:
        return "Dit onderdeel hoort niet (meer) bij dit plan"
    if is_closed(ctx.data, m.key):
        return f"{m.label} is al vastgelegd"
    return f"{m.label} staat nog niet open (vanaf {m.opens_on.strftime('%d-%m-%Y')})"


@guard(_not_open_reason)
def milestone_pending(case: CaseView, ctx: Ctx) -> bool:
    m = _payload_milestone(ctx)
    return m is not None and is_pending(ctx.data, m.key)


@guard("Dit is geen evaluatie; leg een besluit vast met de actie voor dat besluit")
def is_evaluation(case: CaseView, ctx: Ctx) -> bool:
    m = _payload_milestone(ctx)
    return m is None or m.kind == EVALUATION


@guard("Leg eerst een INVRA-observatie (persoonsprofiel) vast")
def observation_recorded_if_invra(case: CaseView, ctx: Ctx) -> bool:
    if ctx.payload.get("milestone") not in ("invra_observatie", "maand3"):
        return True
    return bool(ctx.data.get("observations"))


@guard("Stel eerst een actieplan op: ten minste één SMART-doel")
def action_plan_if_month3(case: CaseView, ctx: Ctx) -> bool:
    return ctx.payload.get("milestone") != "maand3" or bool(ctx.data.get("goal_ids"))


@guard("Het besluit over het contract is al vastgelegd")
def contract_undecided(case: CaseView, ctx: Ctx) -> bool:
    return not (ctx.data.get("contract") or {}).get("decision")


@guard("Vul eerst het trajectplan in: functie, begeleidingsbehoefte en inwerkprogramma")
def document_complete(case: CaseView, ctx: Ctx) -> bool:
    return ctx.payload.get("document") != "trajectplan" or set(ctx.data.get("document_fields") or ()) >= {
        "function", "coaching_need", "onboarding_programme"}


@guard("Formuleer eerst ten minste één SMART-doel")
def has_goals(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("goal_ids"))


@guard("Een actieplan volgt op een INVRA-observatie: leg die eerst vast")
def observation_if_action_plan(case: CaseView, ctx: Ctx) -> bool:
    return ctx.payload.get("document") != "actieplan" or bool(ctx.data.get("observations"))


def _sign_reason(case: CaseView, ctx: Ctx) -> str:
    signoff = ctx.data.get("signoff") or {}
    party = ctx.payload.get("party")
    if not signoff:
        return "Het plan is nog niet ter ondertekening aangeboden"
    if ctx.payload.get("round") not in (None, signoff.get("round")):
        return "Er is inmiddels een nieuwere versie ter ondertekening aangeboden: onderteken die"
    if party in (signoff.get("signed") or {}):
        return f"{PARTIES.get(party, party)} heeft deze versie al ondertekend"
    return f"Uw rol kan niet tekenen namens {PARTIES.get(party, party)}"


@guard(_sign_reason)
def may_sign(case: CaseView, ctx: Ctx) -> bool:
    signoff = ctx.data.get("signoff") or {}
    party = ctx.payload.get("party")
    if not signoff:
        return False
    if ctx.payload.get("round") not in (None, signoff.get("round")):
        return False
    if party is None:  # "may I sign at all?" (the action list)
        return any(SIGNED_BY_ROLE[p] == ctx.actor.role and p not in signoff.get("signed", {}) for p in PARTIES)
    return SIGNED_BY_ROLE.get(party) == ctx.actor.role and party not in (signoff.get("signed") or {})


@guard("Leg eerst de eindevaluatie vast")
def closing_evaluation_recorded(case: CaseView, ctx: Ctx) -> bool:
    return milestone_record(ctx.data, "eind").get("closed") in ("vastgelegd", "overgeslagen")


@guard("Leg eerst het besluit over het contract na de proefplaatsing vast")
def contract_offered(case: CaseView, ctx: Ctx) -> bool:
    return (ctx.data.get("contract") or {}).get("decision") == "ja"


def paused_in(state: str) -> Guard:
    """Resuming returns to the phase the plan was paused in, and nowhere else."""

    def was_paused_in(case: CaseView, ctx: Ctx) -> bool:
        # Before the effect: the running pause; after it: the pause it just ended.
        pause = ctx.data.get("pause") or (ctx.data.get("pauses") or [{}])[-1]
        return pause.get("state") == state

    return Guard(was_paused_in, "Het plan gaat verder in de fase waarin het is gepauzeerd", f"paused_in_{state}")


# -- effects --------------------------------------------------------------------------------

Effect = Callable[[Ctx], None]


def checked(*preconditions: Guard) -> Callable[[Effect], Effect]:
    """An effect that first checks what must hold before it, and refuses otherwise.

    The engine runs effects before guards (so guards can check what a payload brings); a
    question about the data as it was ("not signed yet?", "still open?") is therefore asked
    here. `PlanServices.actions` asks the same questions to explain what is possible.
    """

    def wrap(apply: Effect) -> Effect:
        def effect(ctx: Ctx) -> None:
            for g in preconditions:
                reason = g.check(ctx.case, ctx)
                if reason is not None:
                    raise GuardRejected(ctx.trigger, reason, g.name)
            apply(ctx)

        effect.__name__ = apply.__name__
        effect.preconditions = preconditions  # type: ignore[attr-defined]
        return effect

    return wrap



def _report_to_parent(ctx: Ctx, outcome: str) -> None:
    """A plan started by a company trajectory tells it that it has ended."""
    ctx.data["outcome"] = outcome
    if ctx.case.parent_id is not None:
        ctx.fire(ctx.case.parent_id, "plan_finished", {"candidate_id": ctx.data.get("candidate_id"),
                                                       "outcome": outcome})


def _changed_since_offer(ctx: Ctx) -> None:
    signoff = ctx.data.get("signoff")
    if signoff:
        signoff["changed"] = True


def open_milestone(key: str) -> Callable[[Ctx], None]:
    """A milestone falls due: its tasks open (once; a second firing changes nothing)."""

    def effect(ctx: Ctx) -> None:
        if milestone(ctx.data, key) is None or is_opened(ctx.data, key) or is_closed(ctx.data, key):
            return
        ctx.data.setdefault("milestones", {}).setdefault(key, {})["opened_on"] = today(ctx).isoformat()

    effect.__name__ = f"open_{key}"
    return effect


def _close_milestone(ctx: Ctx, key: str, how: str, **extra: Any) -> None:
    m = milestone(ctx.data, key)
    record = ctx.data.setdefault("milestones", {}).setdefault(key, {})
    record.update(closed=how, closed_on=today(ctx).isoformat(), due_on=m.due_on.isoformat() if m else None, **extra)


@checked(milestone_pending)
def record_evaluation(ctx: Ctx) -> None:
    _close_milestone(ctx, ctx.payload["milestone"], "vastgelegd", evaluation_id=ctx.payload.get("evaluation_id"))


@checked(milestone_pending)
def skip_evaluation(ctx: Ctx) -> None:
    _close_milestone(ctx, ctx.payload["milestone"], "overgeslagen")


@checked(contract_undecided)
def offer_contract(ctx: Ctx) -> None:
    ctx.data["contract"] = {"decision": "ja", "on": today(ctx).isoformat()}
    _close_milestone(ctx, "proefplaatsing", "besloten")


@checked(contract_undecided)
def no_contract(ctx: Ctx) -> None:
    ctx.data["contract"] = {"decision": "nee", "on": today(ctx).isoformat(), "reason": ctx.payload["reason"]}
    _close_milestone(ctx, "proefplaatsing", "besloten")
    _report_to_parent(ctx, GEEN_CONTRACT)


def update_document(ctx: Ctx) -> None:
    ctx.data["document_fields"] = sorted(set(ctx.payload["filled"]))
    if "contact_user_id" in ctx.payload:
        ctx.data["contact_user_id"] = ctx.payload["contact_user_id"]
    _changed_since_offer(ctx)


def set_goal(ctx: Ctx) -> None:
    ids = ctx.data.setdefault("goal_ids", [])
    if ctx.payload["goal_id"] not in ids:
        ids.append(ctx.payload["goal_id"])
    _changed_since_offer(ctx)


def record_observation(ctx: Ctx) -> None:
    ctx.data.setdefault("observations", []).append(
        {"id": ctx.payload["observation_id"], "on": ctx.payload.get("observed_on")})


def offer_for_signature(ctx: Ctx) -> None:
    previous = ctx.data.get("signoff") or {}
    ctx.data["signoff"] = {
        "round": int(previous.get("round") or 0) + 1,
        "document": ctx.payload["document"],
        "offered_on": today(ctx).isoformat(),
        "signed": {},
        "changed": False,
    }


@checked(may_sign)
def sign(ctx: Ctx) -> None:
    ctx.data["signoff"].setdefault("signed", {})[ctx.payload["party"]] = today(ctx).isoformat()


def adjust_schedule(ctx: Ctx) -> None:
    ctx.data.setdefault("schedule", {}).update(ctx.payload)


def pause(ctx: Ctx) -> None:
    ctx.data["pause"] = {"since": today(ctx).isoformat(), "state": ctx.case.state, "reason": ctx.payload["reason"]}


def resume(ctx: Ctx) -> None:
    """Every pending date moves by the paused days (whole Dutch calendar days).

    `resume` has one branch per phase; the engine runs the effect for each branch it tries,
    on the same data, so the second run finds the pause already ended and does nothing.
    """
    paused = ctx.data.pop("pause", None)
    if paused is None:
        return
    days = (today(ctx) - date.fromisoformat(paused["since"])).days
    ctx.data["paused_days"] = paused_days(ctx.data) + days
    ctx.data.setdefault("pauses", []).append({"from": paused["since"], "to": today(ctx).isoformat(), "days": days,
                                              "reason": paused["reason"], "state": paused["state"]})


def stop(ctx: Ctx) -> None:
    ctx.data["stopped"] = {"on": today(ctx).isoformat(), "state": ctx.case.state, "reason": ctx.payload["reason"]}
    ctx.data.pop("pause", None)
    _report_to_parent(ctx, GESTOPT)


def close(ctx: Ctx) -> None:
    _report_to_parent(ctx, AFGEROND)


# -- states and transitions -----------------------------------------------------------------

STATES: tuple[State, ...] = (
    *(State(p.state, p.label, p.description, initial=(i == 0)) for i, p in enumerate(PHASES)),
    State("gepauzeerd", "Gepauzeerd", "Het plan staat stil; alle data schuiven op met de duur van de pauze"),
    State("afgerond", "Afgerond", "Het planjaar is voorbij en afgesloten", final=True),
    State("gestopt", "Gestopt", "Het plan is voortijdig gestopt", final=True),
    State("geen_contract", "Geen contract", "Na de proefplaatsing volgde geen contract", final=True),
)
ALL_STATES = tuple(s.name for s in STATES)
ACTIVE = (*OPEN_PHASES, "gepauzeerd")

T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    # the calendar moves the plan from phase to phase --------------------------------------
    *(T(p.next_trigger, p.state, OPEN_PHASES[i + 1], by=(SYSTEM,), label=p.next_label, payload=no_fields)
      for i, p in enumerate(PHASES) if p.next_trigger),
    # milestones fall due ------------------------------------------------------------------
    *(T(f"open_{k.key}", OPEN_PHASES, None, by=(SYSTEM,), label=f"{k.label}: taken openen",
        payload=no_fields, effect=open_milestone(k.key))
      for k in MILESTONE_KINDS),
    # the plan document (Bijlage 4), goals, INVRA ------------------------------------------
    T("update_plan", ACTIVE, None, by=(JOB,), label="Trajectplan bijwerken",
      payload=clean_document, effect=update_document),
    T("set_goal", ACTIVE, None, by=(JOB,), label="SMART-doel vastleggen",
      payload=clean_row_ref("goal_id"), effect=set_goal),
    T("record_observation", ACTIVE, None, by=(JOB,), label="INVRA-observatie vastleggen",
      payload=clean_observation_ref, effect=record_observation),
    T("log_hours", ALL_STATES, None, by=(JOB,), label="Begeleidingsuren schrijven",
      payload=clean_hours_ref),
    # evaluations and the proefplaatsing decision ------------------------------------------
    T("record_evaluation", OPEN_PHASES, None, by=(JOB,), label="Evaluatie vastleggen",
      guards=(is_evaluation, observation_recorded_if_invra, action_plan_if_month3),
      payload=clean_milestone_ref, effect=record_evaluation),
    T("skip_evaluation", OPEN_PHASES, None, by=(JOB,), label="Evaluatie overslaan",
      guards=(is_evaluation,), payload=clean_milestone_ref, effect=skip_evaluation,
      cancels_tasks=True, reason_required=True),
    T("offer_contract", STARTED_PHASES, None, by=(OPDRACHTGEVER, JOB), label="Besluit: wel een contract",
      payload=no_fields, effect=offer_contract),
    T("no_contract", STARTED_PHASES, "geen_contract", by=(OPDRACHTGEVER, JOB), label="Besluit: geen contract",
      payload=clean_reason(NO_CONTRACT_REASONS), effect=no_contract,
      cancels_tasks=True),
    # three-party agreement ----------------------------------------------------------------
    T("offer_for_signature", OPEN_PHASES, None, by=(JOB,), label="Ter ondertekening aanbieden",
      guards=(has_goals, document_complete, observation_if_action_plan), payload=clean_offer,
      effect=offer_for_signature),
    T("sign", ACTIVE, None, by=(JOB, OPDRACHTGEVER), label="Ondertekenen",
      payload=clean_sign, effect=sign),
    # the schedule of this plan (self-transitions: the phase's timers are recomputed) ----
    *(T("adjust_schedule", p, p, by=(JOB,), label="Planning aanpassen",
        payload=clean_schedule_change, effect=adjust_schedule) for p in OPEN_PHASES),
    # pause, resume, stop, close -----------------------------------------------------------
    T("pause", OPEN_PHASES, "gepauzeerd", by=(JOB,), label="Plan pauzeren",
      payload=clean_reason(PAUSE_REASONS), effect=pause, cancels_tasks=True),
    *(T("resume", "gepauzeerd", p, by=(JOB,), label="Plan hervatten", guards=(paused_in(p),),
        payload=no_fields, effect=resume) for p in OPEN_PHASES),
    T("stop", ACTIVE, "gestopt", by=(JOB,), label="Plan stoppen",
      payload=clean_reason(STOP_REASONS), effect=stop, cancels_tasks=True),
    T("close_plan", "afsluiting", "afgerond", by=(JOB,), label="Trajectplan afsluiten",
      guards=(closing_evaluation_recorded, contract_offered), payload=no_fields, effect=close),
)

# -- tasks: standing tasks follow the data, whatever the phase ------------------------------


def _pending(key: str) -> Callable[[CaseView], bool]:
    def when(case: CaseView) -> bool:
        return not is_paused(case.data) and is_pending(case.data, key)

    when.__name__ = f"pending_{key}"
    return when


def _due(key: str) -> Callable[[CaseView, datetime], datetime | None]:
    def due(case: CaseView, now: datetime) -> datetime | None:
        m = milestone(case.data, key)
        return end_of_day(m.due_on) if m else None

    due.__name__ = f"due_{key}"
    return due


def _harrie(case: CaseView) -> int | None:
    return case.data.get("harrie_user_id")


def _contact(case: CaseView) -> int | None:
    return case.data.get("contact_user_id")


ASSIGNEE: dict[str, Callable[[CaseView], int | None]] = {HARRIE: _harrie, OPDRACHTGEVER: _contact}


def _awaiting(party: str) -> Callable[[CaseView], bool]:
    def when(case: CaseView) -> bool:
        signoff = case.data.get("signoff") or {}
        return bool(signoff) and not is_paused(case.data) and party not in (signoff.get("signed") or {})

    when.__name__ = f"awaiting_{party}"
    return when


def _sign_due(case: CaseView, now: datetime) -> datetime | None:
    signoff = case.data.get("signoff") or {}
    if not signoff:
        return None
    offered = date.fromisoformat(signoff["offered_on"])
    return end_of_day(offered + timedelta(days=schedule_value(case.data, "signoff_days")))


def _plan_not_offered(case: CaseView) -> bool:
    return not case.data.get("signoff") and not is_paused(case.data)


def _start_due(case: CaseView, now: datetime) -> datetime:
    return end_of_day(start_date(case.data))


REMIND = (timedelta(days=2),)
TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(ANY_STATE, JOB, "Trajectplan opstellen en ter ondertekening aanbieden", key="draft_plan",
             when=_plan_not_offered, due=_start_due, remind_before=REMIND),
    TaskSpec(ANY_STATE, JOB, "Ondertekenen namens JoB", key="sign_job", when=_awaiting("job"), due=_sign_due,
             remind_before=REMIND),
    TaskSpec(ANY_STATE, JOB, "Handtekening van de kandidaat vastleggen", key="sign_kandidaat",
             when=_awaiting("kandidaat"), due=_sign_due, remind_before=REMIND),
    TaskSpec(ANY_STATE, OPDRACHTGEVER, "Trajectplan ondertekenen namens de werkgever", key="sign_opdrachtgever",
             when=_awaiting("opdrachtgever"), due=_sign_due, remind_before=REMIND, assign_to=_contact),
    *(TaskSpec(ANY_STATE, role, title, key=f"{k.key}:{role}", when=_pending(k.key), due=_due(k.key),
               remind_before=REMIND, assign_to=ASSIGNEE.get(role))
      for k in MILESTONE_KINDS for role, title in k.roles),
)

WORKFLOW = Workflow(
    name=NAME,
    version=1,
    label="Trajectplan",
    states=STATES,
    transitions=TRANSITIONS,
    timers=TIMERS,
    tasks=TASKS,
    description="Het trajectplan van één jaar voor een aangenomen kandidaat",
    started_by=("company_trajectory", "hire_candidate"),  # the hire's checks make the plan legitimate
)
