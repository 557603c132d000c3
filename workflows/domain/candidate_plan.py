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
in `workflows.storage.plan_models`; actions name those rows by id (`workflows.usecases.plan_services`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine.spec import (
    ANY_STATE,
    SYSTEM,
    CaseView,
    Ctx,
    State,
    TaskSpec,
    Timer,
    Transition,
    Workflow,
)
from workflows.domain import plan_money  # the money rows of the table (instruments, hours periods)
from workflows.domain.plan_guards import (  # noqa: F401 - re-exported: `candidate_plan` is the plan's one namespace
    action_plan_if_month3,
    closing_evaluation_recorded,
    contract_offered,
    contract_undecided,
    document_complete,
    has_goals,
    is_evaluation,
    may_sign,
    milestone_pending,
    observation_if_action_plan,
    observation_recorded_if_invra,
    paused_in,
)
from workflows.domain.plan_payloads import (  # noqa: F401 - re-exported: `candidate_plan` is the plan's one namespace
    clean_document,
    clean_hours_ref,
    clean_milestone_ref,
    clean_observation_ref,
    clean_offer,
    clean_reason,
    clean_row_ref,
    clean_schedule_change,
    clean_sign,
    no_fields,
)
from workflows.domain.plan_year import (  # noqa: F401 - re-exported: `candidate_plan` is the plan's one namespace
    AFGEROND,
    AMSTERDAM,
    DECISION,
    DOCUMENT_FIELDS,
    DOCUMENTS,
    EVALUATION,
    FINAL_STATES,
    GEEN_CONTRACT,
    GESTOPT,
    KIND_BY_KEY,
    MAX_REGULAR,
    MILESTONE_KINDS,
    NO_CONTRACT_REASONS,
    OPEN_PHASES,
    PARTIES,
    PAUSE_REASONS,
    PHASE_BY_STATE,
    PHASES,
    SIGNED_BY_ROLE,
    STARTED_PHASES,
    STOP_REASONS,
    Milestone,
    MilestoneKind,
    Phase,
    end_of_day,
    is_closed,
    is_opened,
    is_paused,
    is_pending,
    late_milestones,
    local_midnight,
    milestone,
    milestone_record,
    paused_days,
    phase_end,
    phase_start,
    plan_end,
    schedule,
    start_date,
    today,
)
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.domain.rules import schedule_value

NAME = "candidate_plan"


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


# -- effects --------------------------------------------------------------------------------

Effect = Callable[[Ctx], None]


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


def record_evaluation(ctx: Ctx) -> None:
    _close_milestone(ctx, ctx.payload["milestone"], "vastgelegd", evaluation_id=ctx.payload.get("evaluation_id"))


def skip_evaluation(ctx: Ctx) -> None:
    _close_milestone(ctx, ctx.payload["milestone"], "overgeslagen")


def offer_contract(ctx: Ctx) -> None:
    ctx.data["contract"] = {"decision": "ja", "on": today(ctx).isoformat()}
    _close_milestone(ctx, "proefplaatsing", "besloten")


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
    # money and rules: instruments, hours periods, work level, training (plan_money) -------
    *plan_money.transitions(ACTIVE, ALL_STATES),
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
             when=_plan_not_offered, due=_start_due, remind_before=REMIND, action="offer_for_signature"),
    TaskSpec(ANY_STATE, JOB, "Ondertekenen namens JoB", key="sign_job", when=_awaiting("job"), due=_sign_due,
             remind_before=REMIND, action="sign"),
    TaskSpec(ANY_STATE, JOB, "Handtekening van de kandidaat vastleggen", key="sign_kandidaat",
             when=_awaiting("kandidaat"), due=_sign_due, remind_before=REMIND, action="sign"),
    TaskSpec(ANY_STATE, OPDRACHTGEVER, "Trajectplan ondertekenen namens de werkgever", key="sign_opdrachtgever",
             when=_awaiting("opdrachtgever"), due=_sign_due, remind_before=REMIND, assign_to=_contact,
             action="sign"),
    *(TaskSpec(ANY_STATE, role, title, key=f"{k.key}:{role}", when=_pending(k.key), due=_due(k.key),
               remind_before=REMIND, assign_to=ASSIGNEE.get(role),
               action="record_evaluation" if k.kind == EVALUATION else "offer_contract")
      for k in MILESTONE_KINDS for role, title in k.roles),
    *plan_money.tasks(_contact, REMIND),
)

# The actions people take use the guards above: declared in their own table.
from workflows.domain.plan_actions import ACTIONS  # noqa: E402

WORKFLOW = Workflow(
    name=NAME,
    version=1,
    label="Trajectplan",
    states=STATES,
    transitions=TRANSITIONS,
    timers=(*TIMERS, *plan_money.TIMERS),
    tasks=TASKS,
    actions=ACTIONS,
    description="Het trajectplan van één jaar voor een aangenomen kandidaat",
    started_by=("company_trajectory", "hire_candidate"),  # the hire's checks make the plan legitimate
)
