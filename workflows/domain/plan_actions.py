"""What people do on a candidate's plan: every action declared once, read as a table.

Columns: name, Dutch label, who, the transition it makes, the fields it takes (each checked by
its concept in `workflows.domain.concepts`), what must hold first (preconditions with Dutch reasons,
asked of the plan as it is, before anything is written), whether it writes rows of its own
(`records`: `workflows.usecases.plan_records`), and whether it cannot be undone. The web page, the API
(`POST /api/v1/cases/{id}/actions/{name}`), the inbox's task buttons and `jobtraject workflows
show candidate_plan` all come from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.actions import Action, Field
from engine.spec import CaseView, Ctx, guard
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, instruments, plan_money
from workflows.domain.concepts import (
    AMOUNT,
    COACHING_HOURS,
    COMPETENCE,
    DAY,
    GOAL_TEXT,
    INVRA_PROFILE,
    JOB_COACH,
    LINE,
    MONTH,
    NOTE,
    ROW_ID,
    SCHEDULE,
    TEXT,
    choice,
    plausible_date,
    records_of,
)
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.domain.rules import SCHEDULE_SETTINGS

GOAL_OWNERS: dict[str, str] = {"kandidaat": "Kandidaat", "harrie": "Harrie", "job": "JoB",
                               "opdrachtgever": "Werkgever"}
GOAL_STATUSES: dict[str, str] = {"open": "Loopt", "behaald": "Behaald", "deels": "Deels behaald",
                                 "niet_behaald": "Niet behaald", "vervallen": "Vervallen"}
SKIP_REASONS: dict[str, str] = {
    "samengevoegd": "Samengevoegd met een andere evaluatie",
    "afwezig": "Kandidaat of Harrie langdurig afwezig",
    "niet_nodig": "In overleg niet nodig",
}
MILESTONES = {k.key: k.label for k in plan.MILESTONE_KINDS}

# What the employer's side (the contact person and Harrie) does not read: what the candidate
# and Harrie said in the INVRA interviews, and JoB's money (`PLAN_FIGURES`).
NOT_FOR_EMPLOYER: tuple[str, ...] = (HARRIE, OPDRACHTGEVER)

# The plan's money figures, each with the roles that may not see it (the page and the API).
PLAN_FIGURES: dict[str, tuple[str, ...]] = {
    "hourly_rate": NOT_FOR_EMPLOYER,  # JoB's hourly rate
    "invoiced": NOT_FOR_EMPLOYER,  # hours invoiced and their cost
    "uwv_reimbursement": NOT_FOR_EMPLOYER,  # what UWV reimburses, and its maximum
}


def hidden_fields(role: str) -> frozenset[str]:
    """Every plan field and figure this role may not read (one answer for the page and the API)."""
    fields = {f.name for a in ACTIONS for f in (a.fields or ()) if not f.visible_to(role)}
    return frozenset(fields | {k for k, roles in PLAN_FIGURES.items() if role in roles})


# -- preconditions about the fields (shown next to the field) -----------------------------------


def _day(ctx: Ctx, key: str) -> date | None:
    value = ctx.payload.get(key)
    return date.fromisoformat(value) if isinstance(value, str) else None


@guard("De datum ligt in de toekomst.", field="observed_on")
def observed_not_in_future(case: CaseView, ctx: Ctx) -> bool:
    on = _day(ctx, "observed_on")
    return on is None or on <= plan.today(ctx)


def _held_on_reason(case: CaseView, ctx: Ctx) -> str:
    """Held on a day between the plan's start and today."""
    on = _day(ctx, "held_on")
    if on is not None and on > plan.today(ctx):
        return "De datum ligt in de toekomst."
    return "De datum ligt voor de start van het trajectplan."


@guard(_held_on_reason, field="held_on")
def held_within_plan(case: CaseView, ctx: Ctx) -> bool:
    on = _day(ctx, "held_on")
    return on is None or plan.start_date(ctx.data) <= on <= plan.today(ctx)


def _invra_observation(payload: Mapping[str, Any]) -> bool:
    return payload.get("milestone") == "invra_observatie"


@guard("Kies een streefdatum binnen het planjaar.", field="target_date")
def target_in_plan_year(case: CaseView, ctx: Ctx) -> bool:
    on = _day(ctx, "target_date")
    return on is None or plan.start_date(ctx.data) <= on <= plan.plan_end(ctx.data)


def _signed_on_reason(case: CaseView, ctx: Ctx) -> str:
    """Signed on a day between the offer of this version and today."""
    on = _day(ctx, "signed_on")
    if on is not None and on > plan.today(ctx):
        return "De datum ligt in de toekomst."
    return "De datum ligt voor het aanbieden van deze versie."


@guard(_signed_on_reason, field="signed_on")
def signed_after_offer(case: CaseView, ctx: Ctx) -> bool:
    on = _day(ctx, "signed_on")
    offered = (ctx.data.get("signoff") or {}).get("offered_on")
    return on is None or (on <= plan.today(ctx) and (offered is None or on >= date.fromisoformat(offered)))


# -- the table ----------------------------------------------------------------------------------

REVIEW = records_of("goal_reviews", {"goal_id": (ROW_ID, True, "een doel"),
                                     "status": (choice("goal_status", GOAL_STATUSES, "Kies een status."), True,
                                                "een status"),
                                     "note": (NOTE, False, "een toelichting")})

ACTIONS: tuple[Action, ...] = (
    Action("update_plan", "Trajectplan bijwerken", (JOB,), fires="update_plan", records=True,
           hint="Bijlage 4 als geheel: een veld dat ontbreekt of leeg is, wordt leeggemaakt.",
           fields=(Field("function", "Functie", LINE),
                   Field("contact_user_id", "Aanspreekpunt bij de werkgever", ROW_ID),
                   Field("coaching_need", "Begeleidingsbehoefte", TEXT),
                   Field("onboarding_programme", "Inwerkprogramma", TEXT),
                   Field("hours_distribution", "Verdeling van de begeleidingsuren", TEXT))),
    Action("add_goal", "SMART-doel toevoegen", (JOB,), fires="set_goal", records=True,
           preconditions=(target_in_plan_year,),
           fields=(Field("specific", "Specifiek: wat wil de kandidaat bereiken?", GOAL_TEXT, required=True),
                   Field("measure", "Meetbaar: waaraan zie je dat het gelukt is?", GOAL_TEXT, required=True),
                   Field("target_date", "Streefdatum", DAY, required=True),
                   Field("owner", "Verantwoordelijk", choice("goal_owner", GOAL_OWNERS,
                                                             "Kies wie verantwoordelijk is."), required=True),
                   Field("competence", "INVRA-competentie", COMPETENCE))),
    Action("set_goal_status", "Status van een doel bijwerken", (JOB,), fires="set_goal", records=True,
           fields=(Field("goal_id", "Doel", ROW_ID, required=True),
                   Field("status", "Status", choice("goal_status", GOAL_STATUSES, "Kies een status."),
                         required=True))),
    Action("record_observation", "INVRA-observatie vastleggen", (JOB,), fires="record_observation", records=True,
           preconditions=(observed_not_in_future, plausible_date("observed_on", future=False)),
           fields=(Field("observed_on", "Datum van de observatie", DAY, required=True),
                   Field("scores", "Niveau per competentie (1-3)", INVRA_PROFILE, required=True),
                   Field("notes", "Toelichting", TEXT))),
    Action("record_evaluation", "Evaluatie vastleggen", (JOB,), fires="record_evaluation", records=True,
           preconditions=(plan.milestone_pending, held_within_plan),
           fields=(Field("milestone", "Evaluatie", choice("milestone", MILESTONES, "Kies een evaluatie uit het plan."),
                         required=True),
                   Field("held_on", "Gehouden op", DAY, required=True),
                   Field("discussed", "Wat is besproken", TEXT, required=True),
                   Field("next_steps", "Afspraken en vervolgstappen", TEXT),
                   Field("interview_candidate", "Interview kandidaat", TEXT, required_if=_invra_observation,
                         hint="Verplicht bij de INVRA-observatie.", hidden_from=NOT_FOR_EMPLOYER),
                   Field("interview_harrie", "Interview Harrie", TEXT, required_if=_invra_observation,
                         hint="Verplicht bij de INVRA-observatie.", hidden_from=NOT_FOR_EMPLOYER),
                   Field("goal_reviews", "Stand per doel", REVIEW))),
    Action("skip_evaluation", "Evaluatie overslaan", (JOB,), fires="skip_evaluation", records=True,
           preconditions=(plan.milestone_pending,), irreversible=True,
           confirm="De evaluatie van {naam} wordt overgeslagen en de taken ervan sluiten.",
           hint="De taken van deze evaluatie sluiten; dit is niet terug te draaien.",
           fields=(Field("milestone", "Evaluatie", choice("milestone", MILESTONES, "Kies een evaluatie uit het plan."),
                         required=True),
                   Field("reason", "Reden", choice("skip_reason", SKIP_REASONS, "Kies een reden."),
                         required=True))),
    Action("offer_contract", "Besluit: wel een contract", (OPDRACHTGEVER, JOB), fires="offer_contract",
           preconditions=(plan.contract_undecided,), irreversible=True,
           confirm="{naam} krijgt na de proefplaatsing een contract; dit besluit is definitief.",
           hint="Na de proefplaatsing gaat het plan door met een contract. Dit besluit is definitief."),
    Action("no_contract", "Besluit: geen contract", (OPDRACHTGEVER, JOB), fires="no_contract",
           preconditions=(plan.contract_undecided,), irreversible=True,
           confirm="{naam} krijgt geen contract en het plan stopt.",
           hint="Het plan stopt; dit is niet terug te draaien.",
           fields=(Field("reason", "Reden", choice("no_contract_reason", plan.NO_CONTRACT_REASONS, "Kies een reden."),
                         required=True),)),
    Action("offer_for_signature", "Ter ondertekening aanbieden", (JOB,), fires="offer_for_signature",
           fields=(Field("document", "Document", choice("document", plan.DOCUMENTS), required=True),)),
    Action("sign", "Ondertekenen", (JOB, OPDRACHTGEVER), fires="sign", records=True,
           preconditions=(plan.may_sign, signed_after_offer),
           hint="JoB legt ook de handtekening van de kandidaat vast (die tekent op papier).",
           fields=(Field("party", "Namens", choice("party", plan.PARTIES), required=True),
                   Field("round", "Versie", ROW_ID, required=True),
                   Field("signed_on", "Getekend op", DAY, hint="Leeg: vandaag."))),
    Action("adjust_schedule", "Planning aanpassen", (JOB,), fires="adjust_schedule",
           fields=tuple(Field(s.key, s.label, SCHEDULE[s.key]) for s in SCHEDULE_SETTINGS)),
    Action("pause", "Plan pauzeren", (JOB,), fires="pause",
           hint="Alle data schuiven op met de duur van de pauze.",
           fields=(Field("reason", "Reden", choice("pause_reason", plan.PAUSE_REASONS, "Kies een reden."),
                         required=True),)),
    Action("resume", "Plan hervatten", (JOB,), fires="resume"),
    Action("stop", "Plan stoppen", (JOB,), fires="stop", irreversible=True,
           confirm="Het plan van {naam} stopt voorgoed.",
           hint="Het plan stopt voorgoed; dit is niet terug te draaien.",
           fields=(Field("reason", "Reden", choice("stop_reason", plan.STOP_REASONS, "Kies een reden."),
                         required=True),)),
    Action("close_plan", "Trajectplan afsluiten", (JOB,), fires="close_plan", irreversible=True,
           confirm="Het planjaar van {naam} wordt afgesloten.",
           hint="Het planjaar wordt afgesloten; dit is niet terug te draaien."),
    Action("log_hours", "Begeleidingsuren schrijven", (JOB,), fires="log_hours", records=True,
           preconditions=(plausible_date("worked_on"), plan_money.period_open),  # a day ahead: the recorder says why
           fields=(Field("worked_on", "Datum", DAY, required=True),
                   Field("hours", "Uren", COACHING_HOURS, required=True),
                   Field("activity", "Activiteit", choice("activity", coaching.ACTIVITIES, "Kies een activiteit."),
                         required=True),
                   Field("coach_id", "Jobcoach", JOB_COACH, hint="Leeg: uzelf."),
                   Field("note", "Toelichting", NOTE))),
    # money and rules (workflows.domain.plan_money) ---------------------------------------
    Action("update_instrument", "Instrument bijwerken", (JOB, OPDRACHTGEVER), fires="update_instrument",
           records=True, hint="Status en data van één instrument; een leeg datumveld wordt leeggemaakt.",
           fields=(Field("kind", "Instrument", choice("instrument", instruments.KIND_LABELS, "Kies een instrument."),
                         required=True),
                   Field("status", "Status", choice("instrument_status", instruments.STATUSES, "Kies een status."),
                         required=True),
                   *(Field(k, instruments.DATE_LABELS[k], DAY) for k in instruments.DATE_FIELDS),
                   Field("amount_eur", "Bedrag (euro)", AMOUNT, hint="Alleen bij een instrument met een bedrag."))),
    Action("close_period", "Urenperiode afsluiten", (JOB,), fires="close_period", records=True,
           preconditions=(plan_money.period_closable,), irreversible=True,
           hint="Daarna kunnen in deze maand geen uren meer worden geschreven of gewijzigd.",
           fields=(Field("month", "Maand", MONTH, required=True),)),
    Action("correct_hours", "Uren corrigeren na afsluiten", (JOB,), fires="correct_hours", records=True,
           preconditions=(plan_money.correction_period_open,),
           hint=("Uren in een afgesloten maand veranderen nooit: de correctie is een tegenboeking in een latere, "
                 "open periode en staat op de verantwoording van die periode."),
           fields=(Field("entry_id", "Urenregel die u corrigeert", ROW_ID, required=True,
                         hint="Het nummer van de regel in een afgesloten maand."),
                   Field("month", "Boeken in periode", MONTH, required=True),
                   Field("direction", "Correctie", choice("correction_direction", plan_money.CORRECTION_DIRECTIONS,
                                                          "Kies of er uren af of bij gaan."), required=True),
                   Field("hours", "Uren", COACHING_HOURS, required=True),
                   Field("reason", "Reden", NOTE, required=True))),
    Action("set_work_level", "Werkniveau vastleggen", (JOB,), fires="set_work_level",
           fields=(Field("level", "Werkniveau", choice("work_level", plan_money.WORK_LEVELS, "Kies een werkniveau."),
                         required=True),
                   Field("since", "Sinds", DAY, required=True))),
    Action("record_training", "Opleiding vastleggen", (JOB,), fires="record_training",
           fields=(Field("route", "Opleiding", choice("training_route", plan_money.TRAINING_ROUTES,
                                                      "Kies een opleiding."), required=True),
                   Field("level", "BORIS-niveau", choice("boris_level", plan_money.BORIS_LEVELS, "Kies niveau 1, 2 of 3."),
                         required_if=plan_money.boris, hint="Verplicht bij BORIS."),
                   Field("status", "Stand", choice("training_status", plan_money.TRAINING_STATUSES, "Kies een stand."),
                         required=True),
                   Field("on", "Datum", DAY, required=True))),
)
