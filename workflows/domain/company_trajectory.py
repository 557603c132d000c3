"""The company trajectory (bedrijfstraject): one per employer engagement.

adviesgesprek → bedrijfsanalyse → eindgesprek → werving → sollicitatie → trajectplan → afgerond,
from the seed "kennismaking JoB" (see docs DOMAIN.md, section 1). Who does what follows the
seed's Taakverdeling: WSP holds the adviesgesprek, the bedrijfsanalyse, the eindgesprek and
the werving (with JoB); JoB facilitates from start to end; the opdrachtgever shows
commitment, names a contact person and a Harrie, and does the HR administration.

Read it as four tables: PHASES, TRANSITIONS (trigger, from, to, only if, who), TIMERS and
TASKS. Each "only if" is a yes/no question whose Dutch answer is shown when it says no.
What each action records is in `workflows.domain.company_records`.

Actions that name a person (propose_candidate, hire_candidate, reject_candidate,
record_interview, name_harrie) refer to rows by id; `workflows.usecases.company_services` checks
those rows exist in the same transaction. Each hired candidate gets a one-year plan: a
child case of workflow `candidate_plan`, which reports back with `plan_finished`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
    WorkingDays,
    guard,
)
from workflows.domain import company_records as rec
from workflows.domain.company_records import (
    HIRED,
    OPEN_STATUSES,
    candidate_entry,
    candidates,
    missing_competences,
    running_plans,
    today,
)
from workflows.domain.concepts import plausible_date
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER, WSP

NAME = "company_trajectory"

# -- guards: the "only if" column ---------------------------------------------------------


@guard("Leg eerst de datum van het adviesgesprek vast")
def advisory_meeting_dated(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("advisory_meeting", {}).get("date"))


@guard("Het adviesgesprek heeft nog niet plaatsgevonden")
def advisory_meeting_held(case: CaseView, ctx: Ctx) -> bool:
    held = ctx.data.get("advisory_meeting", {}).get("date")
    return bool(held) and held <= today(ctx).isoformat()


@guard("Noteer eerst de mogelijkheden per afdeling")
def possibilities_noted(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("advisory_meeting", {}).get("departments"))


@guard("Beoordeel eerst het draagvlak in het bedrijf")
def support_assessed(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("advisory_meeting", {}).get("support"))


@guard("Noteer eerst welke afdelingen en werkprocessen zijn geanalyseerd")
def departments_analysed(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("analysis", {}).get("departments"))


@guard("Noteer eerst ten minste één taak die iemand met een arbeidsbeperking kan doen")
def suitable_tasks_listed(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("analysis", {}).get("tasks"))


@guard("Kies eerst ten minste één taak voor de vacature")
def tasks_chosen(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("closing_meeting", {}).get("chosen_tasks"))


@guard("Leg eerst de vacature vast: functie, uren per week, standplaats en taken")
def vacancy_recorded(case: CaseView, ctx: Ctx) -> bool:
    vacancy = ctx.data.get("vacancy") or {}
    return all(vacancy.get(k) for k in ("title", "hours_per_week", "location", "tasks"))


def _profile_reason(case: CaseView, ctx: Ctx) -> str:
    missing = len(missing_competences(ctx.data))
    return f"Vul het INVRA-werkplekprofiel volledig in: nog {missing} van de 38 competenties zonder niveau"


@guard(_profile_reason)
def workplace_profile_complete(case: CaseView, ctx: Ctx) -> bool:
    return not missing_competences(ctx.data)


@guard("Stel eerst ten minste één kandidaat voor")
def candidate_waiting(case: CaseView, ctx: Ctx) -> bool:
    return any(c["status"] in OPEN_STATUSES for c in candidates(ctx.data))


@guard("Wijs eerst een Harrie (dagelijks begeleider) aan: zonder Harrie kan niemand worden aangenomen")
def harrie_named(case: CaseView, ctx: Ctx) -> bool:
    return bool(ctx.data.get("harrie_user_id"))


@guard("Leg eerst het sollicitatiegesprek met de kandidaat vast")
def interview_held(case: CaseView, ctx: Ctx) -> bool:
    """With a candidate in the payload: that one; without (what may I do?): anyone."""
    cid = ctx.payload.get("candidate_id")
    if cid is not None:
        entry = candidate_entry(ctx.data, cid)
        return bool(entry and entry.get("interview"))
    return any(c.get("interview") and c["status"] in OPEN_STATUSES for c in candidates(ctx.data))


@guard("Harrie was niet bij het sollicitatiegesprek: leg een gesprek vast waar Harrie bij was")
def harrie_took_part(case: CaseView, ctx: Ctx) -> bool:
    """The seed: Harrie is involved in the sollicitatie; the hire checks the interview said so."""
    cid = ctx.payload.get("candidate_id")
    if cid is not None:
        entry = candidate_entry(ctx.data, cid)
        return bool(entry and (entry.get("interview") or {}).get("harrie_present"))
    return any((c.get("interview") or {}).get("harrie_present") and c["status"] in OPEN_STATUSES
               for c in candidates(ctx.data))


@guard("Er is nog niemand aangenomen")
def someone_hired(case: CaseView, ctx: Ctx) -> bool:
    return any(c["status"] == HIRED for c in candidates(ctx.data))


def _undecided_reason(case: CaseView, ctx: Ctx) -> str:
    n = sum(1 for c in candidates(ctx.data) if c["status"] in OPEN_STATUSES)
    return f"Leg eerst voor elke kandidaat de uitkomst vast: nog {n} zonder uitkomst"


@guard(_undecided_reason)
def every_candidate_decided(case: CaseView, ctx: Ctx) -> bool:
    return not any(c["status"] in OPEN_STATUSES for c in candidates(ctx.data))


def _running_reason(case: CaseView, ctx: Ctx) -> str:
    return f"Er lopen nog trajectplannen van aangenomen kandidaten ({running_plans(ctx.data)})"


@guard(_running_reason)
def no_plan_running(case: CaseView, ctx: Ctx) -> bool:
    return running_plans(ctx.data) == 0


def stopped_in(phase: str) -> Guard:
    """Reopening goes back to the phase the trajectory was stopped in, and nowhere else."""

    def was_stopped_in(case: CaseView, ctx: Ctx) -> bool:
        return ctx.data.get("stopped", {}).get("phase") == phase

    return Guard(was_stopped_in, "Het traject kan alleen terug naar de fase waarin het is gestopt",
                 f"stopped_in_{phase}")


# -- the phases ---------------------------------------------------------------------------

PHASES = (
    State("adviesgesprek", "Adviesgesprek", "Kennismaking, mogelijkheden per afdeling en draagvlak; "
          "besluit of er een bedrijfsanalyse komt", initial=True),
    State("bedrijfsanalyse", "Bedrijfsanalyse", "WSP analyseert werkprocessen en functies en noteert "
          "welke taken mensen met een arbeidsbeperking kunnen doen"),
    State("eindgesprek", "Eindgesprek", "Resultaten bespreken, taken kiezen, vacature en "
          "INVRA-werkplekprofiel opstellen"),
    State("werving", "Werving", "JoB en WSP zoeken kandidaten voor de vacature"),
    State("sollicitatie", "Sollicitatie", "Sollicitatiegesprekken met werkgever en Harrie; "
          "uitkomst per kandidaat"),
    State("trajectplan", "Trajectplan", "Elke aangenomen kandidaat volgt een trajectplan van een jaar"),
    State("afgerond", "Afgerond", "Alle trajectplannen zijn afgerond", final=True),
    State("gestopt", "Gestopt", "Het traject is gestopt; JoB kan het heropenen", final=True),
)

OPEN_PHASES = ("adviesgesprek", "bedrijfsanalyse", "eindgesprek", "werving", "sollicitatie", "trajectplan")

# -- the transitions ----------------------------------------------------------------------

T = Transition
TRANSITIONS = (
    # 1. adviesgesprek -------------------------------------------------------------------
    T("record_advisory_meeting", "adviesgesprek", None, by=(WSP, JOB),
      label="Adviesgesprek vastleggen", guards=(plausible_date("date"),),
      payload=rec.clean_advisory_meeting, effect=rec.record_advisory_meeting),
    T("start_company_analysis", "adviesgesprek", "bedrijfsanalyse", by=(WSP, JOB),
      guards=(advisory_meeting_dated, advisory_meeting_held, possibilities_noted, support_assessed),
      label="Besluit: wel een bedrijfsanalyse", payload=rec.no_fields),
    T("decline_company_analysis", "adviesgesprek", "gestopt", by=(WSP, JOB),
      guards=(advisory_meeting_dated, advisory_meeting_held),
      label="Besluit: geen bedrijfsanalyse",
      payload=rec.clean_stop, effect=rec.record_stop, cancels_tasks=True),
    # 2. bedrijfsanalyse -----------------------------------------------------------------
    T("record_company_analysis", "bedrijfsanalyse", None, by=(WSP, JOB),
      label="Bedrijfsanalyse vastleggen",
      payload=rec.clean_company_analysis, effect=rec.record_company_analysis),
    T("finish_company_analysis", "bedrijfsanalyse", "eindgesprek", by=(WSP, JOB),
      guards=(departments_analysed, suitable_tasks_listed),
      label="Bedrijfsanalyse afronden", payload=rec.no_fields),
    # 3. eindgesprek ---------------------------------------------------------------------
    T("record_closing_meeting", "eindgesprek", None, by=(WSP, JOB),
      label="Eindgesprek en gekozen taken vastleggen", guards=(plausible_date("date"),),
      payload=rec.clean_closing_meeting, effect=rec.record_closing_meeting),
    T("record_vacancy", "eindgesprek", None, by=(WSP, JOB),
      label="Vacature vastleggen",
      payload=rec.clean_vacancy, effect=rec.record_vacancy),
    T("record_workplace_profile", "eindgesprek", None, by=(WSP, JOB),
      label="INVRA-werkplekprofiel invullen",
      payload=rec.clean_workplace_profile, effect=rec.record_workplace_profile),
    T("open_recruitment", "eindgesprek", "werving", by=(WSP, JOB),
      guards=(tasks_chosen, vacancy_recorded, workplace_profile_complete),
      label="Werving starten", payload=rec.no_fields),
    # 4. werving -------------------------------------------------------------------------
    T("propose_candidate", "werving", None, by=(JOB, WSP),
      label="Kandidaat voorstellen",
      payload=rec.clean_candidate_ref, effect=rec.propose_candidate),
    T("start_interviews", "werving", "sollicitatie", by=(JOB, WSP),
      guards=(candidate_waiting,),
      label="Sollicitatie starten", payload=rec.no_fields),
    # 5. sollicitatie (a Harrie can be named during werving already) ---------------------
    T("name_harrie", ("werving", "sollicitatie"), None, by=(OPDRACHTGEVER, JOB),
      label="Harrie aanwijzen",
      payload=rec.clean_harrie, effect=rec.name_harrie),
    T("record_interview", "sollicitatie", None, by=(JOB, OPDRACHTGEVER),
      label="Sollicitatiegesprek vastleggen", guards=(plausible_date("date"),),
      payload=rec.clean_interview, effect=rec.record_interview),
    T("hire_candidate", "sollicitatie", None, by=(OPDRACHTGEVER, JOB),
      guards=(harrie_named, interview_held, harrie_took_part, plausible_date("start_date")),
      label="Kandidaat aannemen (start trajectplan)",
      payload=rec.clean_hire, effect=rec.hire_candidate),
    T("reject_candidate", ("werving", "sollicitatie"), None, by=(OPDRACHTGEVER, JOB),
      label="Kandidaat niet aangenomen",
      payload=rec.clean_rejection, effect=rec.reject_candidate),
    T("back_to_recruitment", "sollicitatie", "werving", by=(JOB, WSP),
      label="Geen passende kandidaat: terug naar werving", payload=rec.no_fields),
    T("start_trajectplan", "sollicitatie", "trajectplan", by=(JOB,),
      guards=(someone_hired, every_candidate_decided),
      label="Naar trajectplan", payload=rec.no_fields),
    # 6. trajectplan: each hired candidate's plan reports back when it ends ---------------
    T("plan_finished", "trajectplan", "afgerond", by=(SYSTEM,),
      guards=(no_plan_running,),
      label="Trajectplan afgerond",
      payload=rec.clean_plan_finished, effect=rec.record_plan_finished),
    T("plan_finished", ("werving", "sollicitatie", "trajectplan"), None, by=(SYSTEM,),
      label="Trajectplan afgerond",
      payload=rec.clean_plan_finished, effect=rec.record_plan_finished),
    T("close_trajectory", "trajectplan", "afgerond", by=(JOB, SYSTEM),
      guards=(no_plan_running,),
      label="Bedrijfstraject afsluiten", payload=rec.no_fields),
    # stopping (any open phase) and reopening (into the phase it was stopped in) ---------
    T("stop", OPEN_PHASES, "gestopt", by=(JOB, WSP),
      guards=(no_plan_running,),
      label="Traject stoppen",
      payload=rec.clean_stop, effect=rec.record_stop, cancels_tasks=True),
    *(
        T("reopen", "gestopt", phase, by=(JOB,),
          guards=(stopped_in(phase),),
          label="Traject heropenen",
          payload=rec.no_fields, effect=rec.record_reopen, reason_required=True)
        for phase in OPEN_PHASES
    ),
)

# -- timers -------------------------------------------------------------------------------


def _at_once_when_no_plan_runs(case: CaseView, entered: datetime) -> datetime | None:
    """All hired candidates' plans ended before the trajectory got here: close it at once."""
    return entered if running_plans(dict(case.data)) == 0 else None


TIMERS = (
    Timer(in_state="trajectplan", fire="close_trajectory", after=_at_once_when_no_plan_runs,
          name="close_without_running_plans"),
)

# -- tasks on entering each phase (closed automatically when the phase is left); the Harrie
# task is "standing" (ANY_STATE): it follows its `when` after every step, so naming a Harrie
# closes it at once -----------------------------------------------------------------------


def _harrie_needed(case: CaseView) -> bool:
    """Open while the trajectory is in sollicitatie without a Harrie; done once one is named."""
    return case.state == "sollicitatie" and not case.data.get("harrie_user_id")


def _harrie_interviews(case: CaseView) -> bool:
    """Open for the named Harrie while a candidate in sollicitatie had no interview with him."""
    return case.state == "sollicitatie" and bool(case.data.get("harrie_user_id")) and any(
        c["status"] in OPEN_STATUSES and not (c.get("interview") or {}).get("harrie_present")
        for c in candidates(dict(case.data)))


def _the_harrie(case: CaseView) -> int | None:
    return case.data.get("harrie_user_id")


TASKS = (
    TaskSpec("adviesgesprek", WSP, "Adviesgesprek plannen met werkgever en JoB", due=WorkingDays(10),
             remind_before=(timedelta(days=2),), key="plan_adviesgesprek"),
    TaskSpec("adviesgesprek", JOB, "Adviesgesprek voorbereiden: mogelijkheden en draagvlak", due=WorkingDays(10),
             key="prepare_adviesgesprek"),
    TaskSpec("adviesgesprek", OPDRACHTGEVER, "Contactpersoon en HR-contact voor het traject doorgeven",
             due=WorkingDays(10), key="name_contacts"),
    TaskSpec("bedrijfsanalyse", WSP, "Bedrijfsanalyse uitvoeren: werkprocessen en geschikte taken",
             due=WorkingDays(20), remind_before=(timedelta(days=3),), key="do_analysis",
             action="finish_company_analysis"),
    TaskSpec("bedrijfsanalyse", JOB, "Bedrijfsanalyse ondersteunen en eindgesprek voorbereiden",
             due=WorkingDays(20), key="support_analysis"),
    TaskSpec("bedrijfsanalyse", OPDRACHTGEVER, "Afdelingen en werkprocessen toelichten aan WSP",
             due=WorkingDays(10), key="explain_processes"),
    TaskSpec("eindgesprek", WSP, "Eindgesprek houden: resultaten bespreken en taken kiezen", due=WorkingDays(10),
             remind_before=(timedelta(days=2),), key="hold_eindgesprek",
             action="record_closing_meeting"),
    TaskSpec("eindgesprek", JOB, "Vacature en INVRA-werkplekprofiel opstellen met WSP", due=WorkingDays(15),
             key="write_vacancy"),
    TaskSpec("werving", JOB, "Kandidaten werven en voorstellen", due=WorkingDays(20), key="recruit",
             action="start_interviews"),
    TaskSpec("werving", WSP, "Kandidaten uit de regio aandragen bij JoB", due=WorkingDays(15),
             key="suggest_candidates"),
    TaskSpec("sollicitatie", JOB, "Sollicitatiegesprekken plannen met werkgever en Harrie", due=WorkingDays(10),
             key="plan_interviews"),
    TaskSpec(ANY_STATE, OPDRACHTGEVER, "Harrie (dagelijks begeleider) aanwijzen", due=WorkingDays(5),
             remind_before=(timedelta(days=2),), key="name_harrie",
             action="name_harrie", when=_harrie_needed),
    TaskSpec(ANY_STATE, HARRIE, "Deelnemen aan de sollicitatiegesprekken", due=WorkingDays(10),
             remind_before=(timedelta(days=2),), key="harrie_interviews", assign_to=_the_harrie,
             when=_harrie_interviews),
    TaskSpec("sollicitatie", OPDRACHTGEVER, "Uitkomst per kandidaat doorgeven", due=WorkingDays(15),
             key="decide_candidates"),
    TaskSpec("trajectplan", OPDRACHTGEVER, "HR-administratie nieuwe medewerker(s) afronden", due=WorkingDays(10),
             key="hr_administration"),
    TaskSpec("trajectplan", JOB, "HR van de werkgever ondersteunen bij de indiensttreding", due=WorkingDays(10),
             key="support_hr"),
    TaskSpec("gestopt", JOB, "Werkgever en WSP informeren over het stoppen van het traject", due=WorkingDays(5),
             key="inform_stop"),
)

WORKFLOW = Workflow(
    name=NAME,
    version=1,
    label="Bedrijfstraject",
    states=PHASES,
    transitions=TRANSITIONS,
    timers=TIMERS,
    tasks=TASKS,
    description="Van adviesgesprek tot trajectplan: één traject per werkgever",
)
