"""The plan's "only if" column: yes/no questions about the case, each with its Dutch reason."""

from __future__ import annotations

from datetime import date

from engine.spec import CaseView, Ctx, Guard, guard
from workflows.domain.coaching import nl_date
from workflows.domain.plan_year import (
    EVALUATION,
    PARTIES,
    SIGNED_BY_ROLE,
    Milestone,
    is_closed,
    is_pending,
    milestone,
    milestone_record,
    schedule,
)


def _payload_milestone(ctx: Ctx) -> Milestone | None:
    key = ctx.payload.get("milestone")
    return milestone(ctx.data, key) if key else None


def _not_open_reason(case: CaseView, ctx: Ctx) -> str:
    """The evaluation named is open now: fallen due and not yet recorded or skipped."""
    if ctx.payload.get("milestone") is None:
        return "Er staat nu geen evaluatie open"
    m = _payload_milestone(ctx)
    if m is None:
        return "Dit onderdeel hoort niet (meer) bij dit plan"
    record = milestone_record(ctx.data, m.key)
    if record.get("closed") == "vastgelegd" and record.get("due_on") and record.get("closed_on"):
        return (f"{m.label} (datum {nl_date(date.fromisoformat(record['due_on']))}) is al vastgelegd op "
                f"{nl_date(date.fromisoformat(record['closed_on']))}.")
    if is_closed(ctx.data, m.key):
        return f"{m.label} is al vastgelegd"
    return f"{m.label} staat nog niet open (vanaf {m.opens_on.strftime('%d-%m-%Y')})"


@guard(_not_open_reason, field="milestone")
def milestone_pending(case: CaseView, ctx: Ctx) -> bool:
    """Without a milestone named (the list of actions): is any evaluation open at all?"""
    if ctx.payload.get("milestone") is None:
        return any(m.kind == EVALUATION and is_pending(ctx.data, m.key) for m in schedule(ctx.data))
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
    """The party is the actor's own (JoB records the candidate's), on the version offered, not yet signed."""
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
