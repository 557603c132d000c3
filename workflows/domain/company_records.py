"""What each phase of a company trajectory records: choice lists, payload checks, effects.

The table in `workflows.domain.company_trajectory` says *when* something may happen; this module
says *what is written* into the case data when it does. Payload cleaners turn a form's
fields into clean values or raise `InvalidPayload` with a Dutch message per field; effects
copy the clean values into `ctx.data`.

Case data holds ids and facts about the company, never free text about a person: a
candidate appears as `candidate_id` (personal data lives in the `candidate` table) and the
reasons a candidate did not get the job are codes from a list. Effects may run more than
once per trigger (once for each guarded branch the engine tries), so each one is idempotent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.errors import InvalidPayload
from engine.spec import Ctx
from engine.workdays import AMSTERDAM
from workflows.domain import invra
from workflows.domain.payload_form import MAX_LINE, MAX_TEXT, apply
from workflows.domain.payload_form import (
    RecordForm as Form,  # every action here edits the case's record
)
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER, WSP

# -- choice lists (code -> what users see) ------------------------------------------------

STOP_REASONS: dict[str, str] = {
    "geen_draagvlak": "Geen draagvlak in het bedrijf",
    "geen_geschikte_taken": "Geen geschikte taken",
    "geen_kandidaat": "Geen geschikte kandidaat",
    "bedrijf_trekt_zich_terug": "Bedrijf trekt zich terug",
    "anders": "Anders",
}
OTHER = "anders"

SUPPORT_LEVELS: dict[str, str] = {
    "groot": "Groot draagvlak",
    "voldoende": "Voldoende draagvlak",
    "beperkt": "Beperkt draagvlak",
    "geen": "Geen draagvlak",
}

MEETING_PARTIES: dict[str, str] = {
    JOB: "JoB",
    WSP: "WSP",
    OPDRACHTGEVER: "Opdrachtgever",
    HARRIE: "Harrie",
}

REJECTION_REASONS: dict[str, str] = {
    "past_niet_bij_taken": "Past niet bij de taken",
    "andere_kandidaat_gekozen": "Werkgever koos een andere kandidaat",
    "kandidaat_ziet_af": "Kandidaat ziet ervan af",
    "anders": "Anders",
}

# Where a candidate stands in this trajectory.
PROPOSED = "voorgesteld"
INTERVIEWED = "gesprek"
HIRED = "aangenomen"
NOT_HIRED = "niet_aangenomen"
CANDIDATE_STATUSES: dict[str, str] = {
    PROPOSED: "Voorgesteld",
    INTERVIEWED: "Sollicitatiegesprek gehouden",
    HIRED: "Aangenomen",
    NOT_HIRED: "Niet aangenomen",
}
OPEN_STATUSES = (PROPOSED, INTERVIEWED)

# A hired candidate's plan (the child case `candidate_plan`).
PLAN_RUNNING = "loopt"
PLAN_FINISHED = "afgerond"





def no_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """For phase changes that carry no data: refuse anything sent along."""
    return Form(payload, ()).done()


def today(ctx: Ctx) -> date:
    """The calendar day in the Netherlands at the moment of the action."""
    return ctx.now.astimezone(AMSTERDAM).date()


# -- adviesgesprek ------------------------------------------------------------------------

DEPARTMENT_FIELDS = {"name": (True, MAX_LINE), "possibilities": (False, MAX_TEXT)}


def clean_advisory_meeting(payload: dict[str, Any]) -> dict[str, Any]:
    """date, participants (roles), departments [{name, possibilities}], support, notes."""
    f = Form(payload, ("date", "participants", "departments", "support", "notes"))
    f.date("date")
    f.choices("participants", MEETING_PARTIES)
    f.records("departments", DEPARTMENT_FIELDS)
    f.choice("support", SUPPORT_LEVELS)
    f.text("notes", max_len=MAX_TEXT)
    return f.done(at_least_one=True)


def record_advisory_meeting(ctx: Ctx) -> None:
    """Fields sent replace the ones recorded before, fields sent empty are cleared; the rest stay
    (plan first, report later)."""
    ctx.data["advisory_meeting"] = apply(dict(ctx.data.get("advisory_meeting") or {}), ctx.payload)


# -- bedrijfsanalyse ----------------------------------------------------------------------

ANALYSED_FIELDS = {"name": (True, MAX_LINE), "processes": (False, MAX_TEXT)}
TASK_FIELDS = {"title": (True, MAX_LINE), "department": (False, MAX_LINE), "description": (False, MAX_TEXT)}


def clean_company_analysis(payload: dict[str, Any]) -> dict[str, Any]:
    """departments [{name, processes}] analysed, tasks [{title, department, description}]."""
    f = Form(payload, ("departments", "tasks", "notes"))
    f.records("departments", ANALYSED_FIELDS)
    f.records("tasks", TASK_FIELDS)
    f.text("notes", max_len=MAX_TEXT)
    return f.done(at_least_one=True)


# -- what later steps choose from: the departments and tasks recorded before (not free text) --


def known_departments(data: dict[str, Any], payload: dict[str, Any] | None = None) -> list[str]:
    """The departments a task may belong to: the bedrijfsanalyse's (this save's when it sends
    them) and those noted at the adviesgesprek, in that order, each once."""
    analysed = (payload or {}).get("departments")
    if analysed is None:
        analysed = (data.get("analysis") or {}).get("departments") or []
    noted = (data.get("advisory_meeting") or {}).get("departments") or []
    return list(dict.fromkeys(d["name"] for d in [*analysed, *noted] if d.get("name")))


def analysed_tasks(data: dict[str, Any]) -> list[str]:
    """The tasks the bedrijfsanalyse recorded: a vacancy's tasks are chosen from these."""
    return [t["title"] for t in (data.get("analysis") or {}).get("tasks", [])]


NO_DEPARTMENTS = "Er zijn nog geen afdelingen vastgelegd: vul eerst de geanalyseerde afdelingen in en sla op."
NO_TASKS = "De bedrijfsanalyse heeft nog geen taken vastgelegd: leg die eerst vast bij de bedrijfsanalyse."


def _department_errors(data: dict[str, Any], payload: dict[str, Any]) -> dict[str, str]:
    known = known_departments(data, payload)
    for i, task in enumerate(payload.get("tasks") or [], start=1):
        department = task.get("department")
        if department and department not in known:
            return {"tasks": f"Regel {i}, afdeling: " + (
                NO_DEPARTMENTS if not known else "kies een afdeling uit de analyse: " + ", ".join(known) + ".")}
    return {}


def record_company_analysis(ctx: Ctx) -> None:
    """Tasks are numbered 1..n so the eindgesprek can choose them by number; a task's department
    is one of the departments recorded (`known_departments`)."""
    errors = _department_errors(ctx.data, ctx.payload)
    if errors:
        raise InvalidPayload(errors)
    payload = dict(ctx.payload)
    if payload.get("tasks"):
        payload["tasks"] = [{"nr": i, **task} for i, task in enumerate(payload["tasks"], start=1)]
    ctx.data["analysis"] = apply(dict(ctx.data.get("analysis") or {}), payload)


# -- eindgesprek --------------------------------------------------------------------------


def clean_closing_meeting(payload: dict[str, Any]) -> dict[str, Any]:
    """date of the meeting and the numbers of the analysis tasks chosen for the vacancy."""
    f = Form(payload, ("date", "chosen_tasks", "notes"))
    f.date("date", required=True)
    chosen = payload.get("chosen_tasks")
    if chosen is None or chosen == []:
        f.out["chosen_tasks"] = []
    elif not isinstance(chosen, list) or any(isinstance(n, bool) or not isinstance(n, int) for n in chosen):
        f.errors["chosen_tasks"] = "Kies taken uit de bedrijfsanalyse."
    else:
        f.out["chosen_tasks"] = sorted(set(chosen))
    f.text("notes", max_len=MAX_TEXT)
    return f.done()


def record_closing_meeting(ctx: Ctx) -> None:
    known = {t["nr"] for t in ctx.data.get("analysis", {}).get("tasks", [])}
    unknown = [n for n in ctx.payload["chosen_tasks"] if n not in known]
    if unknown:
        raise InvalidPayload(
            {"chosen_tasks": "Deze taken staan niet in de bedrijfsanalyse: " + ", ".join(map(str, unknown)) + "."}
        )
    ctx.data["closing_meeting"] = apply({}, ctx.payload)


def clean_vacancy(payload: dict[str, Any]) -> dict[str, Any]:
    """title, hours_per_week, location and tasks are all needed; description is optional."""
    f = Form(payload, ("title", "hours_per_week", "location", "tasks", "description"))
    f.text("title", required=True)
    f.hours("hours_per_week", required=True)
    f.text("location", required=True)
    f.lines("tasks", required=True)
    f.text("description", max_len=MAX_TEXT)
    return f.done()


def record_vacancy(ctx: Ctx) -> None:
    """The vacancy's tasks are tasks the bedrijfsanalyse recorded (chosen, not typed again)."""
    known = analysed_tasks(ctx.data)
    unknown = [t for t in ctx.payload.get("tasks") or [] if t not in known]
    if unknown:
        raise InvalidPayload({"tasks": NO_TASKS if not known else "Deze taken staan niet in de bedrijfsanalyse: "
                              + ", ".join(unknown) + ". Kies uit: " + ", ".join(known) + "."})
    ctx.data["vacancy"] = apply({}, ctx.payload)


def clean_workplace_profile(payload: dict[str, Any]) -> dict[str, Any]:
    """levels: {"01": 1..3, ...}; may be filled in over several saves."""
    f = Form(payload, ("levels",))
    levels = payload.get("levels")
    if not isinstance(levels, dict) or not levels:
        f.errors["levels"] = "Geef per competentie een niveau (1, 2 of 3)."
    else:
        wrong = sorted(str(k) for k, v in levels.items()
                       if k not in invra.CODES or type(v) is not int or v not in invra.LEVELS)
        if wrong:
            f.errors["levels"] = "Ongeldige competentie of niveau bij: " + ", ".join(wrong) + "."
        else:
            f.out["levels"] = {k: levels[k] for k in invra.CODES if k in levels}
    return f.done()


def record_workplace_profile(ctx: Ctx) -> None:
    profile = ctx.data.setdefault("workplace_profile", {})
    profile.update(ctx.payload["levels"])
    ctx.data["workplace_profile"] = {k: profile[k] for k in invra.CODES if k in profile}


def missing_competences(data: dict[str, Any]) -> list[str]:
    profile = data.get("workplace_profile") or {}
    return [code for code in invra.CODES if profile.get(code) not in invra.LEVELS]


# -- werving and sollicitatie -------------------------------------------------------------


def candidates(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data.get("candidates", [])


def candidate_entry(data: dict[str, Any], candidate_id: int) -> dict[str, Any] | None:
    return next((c for c in candidates(data) if c["candidate_id"] == candidate_id), None)


def _open_entry(ctx: Ctx) -> dict[str, Any]:
    """The candidate named in the payload, who must still be waiting for an outcome."""
    entry = candidate_entry(ctx.data, ctx.payload["candidate_id"])
    if entry is None:
        raise InvalidPayload({"candidate_id": "Deze kandidaat is niet voorgesteld in dit traject."})
    if entry["status"] not in OPEN_STATUSES:
        label = CANDIDATE_STATUSES[entry["status"]].lower()
        raise InvalidPayload({"candidate_id": f"Voor deze kandidaat is de uitkomst al vastgelegd ({label})."})
    return entry


def clean_candidate_ref(payload: dict[str, Any]) -> dict[str, Any]:
    f = Form(payload, ("candidate_id",))
    f.integer("candidate_id", required=True)
    return f.done()


def propose_candidate(ctx: Ctx) -> None:
    cid = ctx.payload["candidate_id"]
    if candidate_entry(ctx.data, cid) is not None:
        raise InvalidPayload({"candidate_id": "Deze kandidaat is al voorgesteld in dit traject."})
    ctx.data.setdefault("candidates", []).append(
        {"candidate_id": cid, "status": PROPOSED, "proposed_on": today(ctx).isoformat(), "proposed_by": ctx.actor.role}
    )


def clean_harrie(payload: dict[str, Any]) -> dict[str, Any]:
    f = Form(payload, ("harrie_user_id",))
    f.integer("harrie_user_id", required=True)
    return f.done()


def name_harrie(ctx: Ctx) -> None:
    ctx.data["harrie_user_id"] = ctx.payload["harrie_user_id"]


def clean_interview(payload: dict[str, Any]) -> dict[str, Any]:
    """candidate_id, date of the interview, and whether Harrie took part."""
    f = Form(payload, ("candidate_id", "date", "harrie_present"))
    f.integer("candidate_id", required=True)
    f.date("date", required=True)
    f.boolean("harrie_present")
    return f.done()


def record_interview(ctx: Ctx) -> None:
    entry = _open_entry(ctx)
    entry["status"] = INTERVIEWED
    entry["interview"] = {"date": ctx.payload["date"], "harrie_present": bool(ctx.payload.get("harrie_present"))}


def clean_rejection(payload: dict[str, Any]) -> dict[str, Any]:
    f = Form(payload, ("candidate_id", "reason"))
    f.integer("candidate_id", required=True)
    f.choice("reason", REJECTION_REASONS, required=True)
    return f.done()


def reject_candidate(ctx: Ctx) -> None:
    entry = _open_entry(ctx)
    entry["status"] = NOT_HIRED
    entry["rejection"] = ctx.payload["reason"]
    entry["decided_on"] = today(ctx).isoformat()


def clean_hire(payload: dict[str, Any]) -> dict[str, Any]:
    """candidate_id, start_date, contract_hours per week and whether the contract is full-time."""
    f = Form(payload, ("candidate_id", "start_date", "contract_hours", "fulltime"))
    f.integer("candidate_id", required=True)
    f.date("start_date", required=True)
    f.hours("contract_hours", required=True)
    f.boolean("fulltime", required=True)
    return f.done()


def hire_candidate(ctx: Ctx) -> None:
    """Record the hire and start the candidate's one-year plan in the same transaction."""
    entry = _open_entry(ctx)
    hire = {k: ctx.payload[k] for k in ("start_date", "contract_hours", "fulltime")}
    entry.update(status=HIRED, hire=hire, decided_on=today(ctx).isoformat(), plan=PLAN_RUNNING)
    vacancy = dict(ctx.data.get("vacancy") or {})
    vacancy["workplace_profile"] = dict(ctx.data.get("workplace_profile") or {})
    ctx.spawn(
        "candidate_plan",
        {
            "candidate_id": entry["candidate_id"],
            **hire,
            "harrie_user_id": ctx.data.get("harrie_user_id"),
            "vacancy": vacancy,
        },
    )


# -- trajectplan --------------------------------------------------------------------------


def clean_plan_finished(payload: dict[str, Any]) -> dict[str, Any]:
    """Sent by the candidate plan: {candidate_id, outcome}; other keys are not kept."""
    f = Form({k: v for k, v in payload.items() if k in ("candidate_id", "outcome")}, ("candidate_id", "outcome"))
    f.integer("candidate_id", required=True)
    f.text("outcome", required=True, max_len=64)
    return f.done()


def record_plan_finished(ctx: Ctx) -> None:
    """Lenient on purpose: a finishing plan must never be blocked by its parent's data."""
    entry = candidate_entry(ctx.data, ctx.payload["candidate_id"])
    if entry is not None and entry.get("status") == HIRED:
        entry["plan"] = PLAN_FINISHED
        entry["plan_outcome"] = ctx.payload["outcome"]


def running_plans(data: dict[str, Any]) -> int:
    return sum(1 for c in candidates(data) if c.get("plan") == PLAN_RUNNING)


# -- stopping and reopening ---------------------------------------------------------------


def clean_stop(payload: dict[str, Any]) -> dict[str, Any]:
    """reason from STOP_REASONS; explanation required when the reason is 'anders'."""
    f = Form(payload, ("reason", "explanation"))
    reason = f.choice("reason", STOP_REASONS, required=True)
    f.text("explanation", required=reason == OTHER, max_len=MAX_TEXT)
    return f.done()


def record_stop(ctx: Ctx) -> None:
    ctx.data["stopped"] = {
        "phase": ctx.case.state,
        "reason": ctx.payload["reason"],
        "explanation": ctx.payload.get("explanation"),
        "on": today(ctx).isoformat(),
        "by_role": ctx.actor.role,
    }


def record_reopen(ctx: Ctx) -> None:
    """Keep `stopped` (the guard reads the phase from it); note when it was reopened."""
    ctx.data.setdefault("stopped", {})["reopened_on"] = today(ctx).isoformat()
