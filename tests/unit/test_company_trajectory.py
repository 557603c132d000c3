"""The company trajectory table, read as a specification: no database needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.errors import InvalidPayload
from engine.registry import Registry
from engine.spec import SYSTEM, Actor, CaseView, Ctx, Guard, WorkingDays
from workflows.domain import company_records as rec
from workflows.domain import invra
from workflows.domain.company_trajectory import OPEN_PHASES, WORKFLOW
from workflows.domain.roles import JOB, OPDRACHTGEVER, ROLES, WSP
from workflows.usecases.catalog import build_registry

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Amsterdam
JOB_ACTOR = Actor(user_id=1, role=JOB, organisation_id=1, name="Sanne")


def ctx_for(data: dict, payload: dict | None = None, state: str = "sollicitatie", actor: Actor = JOB_ACTOR) -> Ctx:
    view = CaseView(id=7, workflow=WORKFLOW.name, version=1, state=state, organisation_id=42, parent_id=None,
                    data=data)
    return Ctx(now=NOW, actor=actor, trigger="t", case=view, payload=payload or {}, data=data)


def table_guards() -> dict[str, Guard]:
    return {g.name: g for t in WORKFLOW.transitions for g in t.guards}


def edges() -> set[tuple[str, str, str]]:
    return {(t.trigger, src, t.dest) for t in WORKFLOW.transitions for src in t.sources(WORKFLOW.states) if t.dest}


# -- the shape of the table ---------------------------------------------------------------


def test_the_table_is_valid_and_in_the_production_registry():
    Registry().register(WORKFLOW)
    assert "company_trajectory" in build_registry().names()


def test_every_phase_is_reachable_from_the_adviesgesprek():
    reach, frontier = {"adviesgesprek"}, ["adviesgesprek"]
    while frontier:
        here = frontier.pop()
        for _trigger, src, dest in edges():
            if src == here and dest not in reach:
                reach.add(dest)
                frontier.append(dest)
    assert reach == {s.name for s in WORKFLOW.states}


def test_the_phases_follow_each_other_as_in_the_seed():
    main_road = [
        ("start_company_analysis", "adviesgesprek", "bedrijfsanalyse"),
        ("finish_company_analysis", "bedrijfsanalyse", "eindgesprek"),
        ("open_recruitment", "eindgesprek", "werving"),
        ("start_interviews", "werving", "sollicitatie"),
        ("start_trajectplan", "sollicitatie", "trajectplan"),
        ("plan_finished", "trajectplan", "afgerond"),
    ]
    assert set(main_road) <= edges()
    assert ("back_to_recruitment", "sollicitatie", "werving") in edges()
    assert ("decline_company_analysis", "adviesgesprek", "gestopt") in edges()
    assert [s.name for s in WORKFLOW.states if s.final] == ["afgerond", "gestopt"]


def test_every_open_phase_can_be_stopped_by_job_or_wsp_and_reopened_by_job_only():
    for phase in OPEN_PHASES:
        (stop,) = WORKFLOW.transitions_for(phase, "stop")
        assert stop.dest == "gestopt" and set(stop.by) == {JOB, WSP} and stop.cancels_tasks
        back = [t for t in WORKFLOW.transitions_for("gestopt", "reopen") if t.dest == phase]
        assert len(back) == 1 and back[0].by == (JOB,) and back[0].reason_required


def test_only_the_system_reports_a_finished_plan_and_it_is_heard_wherever_a_plan_can_run():
    sources = {src for trigger, src, _ in
               {(t.trigger, s, t.dest) for t in WORKFLOW.transitions for s in t.sources(WORKFLOW.states)}
               if trigger == "plan_finished"}
    assert sources == {"werving", "sollicitatie", "trajectplan"}
    assert all(t.by == (SYSTEM,) for t in WORKFLOW.transitions if t.trigger == "plan_finished")


def test_every_action_has_a_dutch_label_and_a_payload_check():
    for t in WORKFLOW.transitions:
        assert t.label, t.trigger
        assert t.payload is not None, t.trigger


def test_every_phase_has_tasks_for_the_roles_of_the_taakverdeling():
    roles_by_phase: dict[str, set[str]] = {}
    for task in WORKFLOW.tasks:
        assert task.role in ROLES and isinstance(task.due, WorkingDays) and task.key
        roles_by_phase.setdefault(task.on_enter, set()).add(task.role)
    for phase in OPEN_PHASES:
        assert JOB in roles_by_phase[phase], f"JoB facilitates from start to end: {phase}"
    for phase in ("adviesgesprek", "bedrijfsanalyse", "eindgesprek", "werving"):
        assert WSP in roles_by_phase[phase], f"WSP holds {phase}"
    assert OPDRACHTGEVER in roles_by_phase["sollicitatie"]
    keys = [(t.on_enter, t.key) for t in WORKFLOW.tasks]
    assert len(keys) == len(set(keys))


def test_the_adviesgesprek_is_planned_within_ten_working_days():
    (task,) = [t for t in WORKFLOW.tasks if t.key == "plan_adviesgesprek"]
    assert task.role == WSP and task.due == WorkingDays(10)


# -- every guard, yes and no --------------------------------------------------------------

FULL_PROFILE = {code: 2 for code in invra.CODES}
VACANCY = {"title": "Medewerker expeditie", "hours_per_week": 24.0, "location": "Nijmegen", "tasks": ["Kratten"]}


def cand(status: str, **extra) -> dict:
    return {"candidate_id": 5, "status": status, **extra}


# guard name -> (data and payload that say yes, data and payload that say no)
GUARD_EXAMPLES: dict[str, tuple[tuple[dict, dict], tuple[dict, dict]]] = {
    "advisory_meeting_dated": (({"advisory_meeting": {"date": "2026-11-30"}}, {}), ({"advisory_meeting": {}}, {})),
    "advisory_meeting_held": (({"advisory_meeting": {"date": "2026-11-23"}}, {}),
                              ({"advisory_meeting": {"date": "2026-11-24"}}, {})),
    "possibilities_noted": (({"advisory_meeting": {"departments": [{"name": "Expeditie"}]}}, {}), ({}, {})),
    "support_assessed": (({"advisory_meeting": {"support": "beperkt"}}, {}), ({"advisory_meeting": {}}, {})),
    "departments_analysed": (({"analysis": {"departments": [{"name": "Productie"}]}}, {}), ({"analysis": {}}, {})),
    "suitable_tasks_listed": (({"analysis": {"tasks": [{"nr": 1, "title": "Kratten"}]}}, {}),
                              ({"analysis": {"tasks": []}}, {})),
    "tasks_chosen": (({"closing_meeting": {"chosen_tasks": [1]}}, {}), ({"closing_meeting": {"chosen_tasks": []}}, {})),
    "vacancy_recorded": (({"vacancy": VACANCY}, {}), ({"vacancy": {**VACANCY, "location": None}}, {})),
    "workplace_profile_complete": (({"workplace_profile": FULL_PROFILE}, {}),
                                   ({"workplace_profile": {**FULL_PROFILE, "38": None}}, {})),
    "candidate_waiting": (({"candidates": [cand("voorgesteld")]}, {}), ({"candidates": [cand("niet_aangenomen")]}, {})),
    "harrie_named": (({"harrie_user_id": 12}, {}), ({"harrie_user_id": None}, {})),
    "interview_held": (({"candidates": [cand("gesprek", interview={"date": "2026-11-23"})]}, {"candidate_id": 5}),
                       ({"candidates": [cand("voorgesteld")]}, {"candidate_id": 5})),
    "date_plausible": (({}, {"date": "2026-11-30"}), ({}, {"date": "1999-05-01"})),  # no adviesgesprek in 1999
    "start_date_plausible": (({}, {"start_date": "2026-12-01"}), ({}, {"start_date": "2099-01-01"})),
    "harrie_took_part": (
        ({"candidates": [cand("gesprek", interview={"date": "2026-11-23", "harrie_present": True})]}, {"candidate_id": 5}),
        ({"candidates": [cand("gesprek", interview={"date": "2026-11-23", "harrie_present": False})]},
         {"candidate_id": 5})),
    "someone_hired": (({"candidates": [cand("aangenomen")]}, {}), ({"candidates": [cand("gesprek")]}, {})),
    "every_candidate_decided": (({"candidates": [cand("aangenomen")]}, {}), ({"candidates": [cand("gesprek")]}, {})),
    "no_plan_running": (({"candidates": [cand("aangenomen", plan="afgerond")]}, {}),
                        ({"candidates": [cand("aangenomen", plan="loopt")]}, {})),
    **{
        f"stopped_in_{phase}": (({"stopped": {"phase": phase}}, {}),
                                ({"stopped": {"phase": "werving" if phase != "werving" else "eindgesprek"}}, {}))
        for phase in OPEN_PHASES
    },
}


def test_every_guard_in_the_table_has_a_yes_and_a_no_example():
    assert set(GUARD_EXAMPLES) == set(table_guards())


@pytest.mark.parametrize("name", sorted(GUARD_EXAMPLES))
def test_guard_says_yes_and_no_with_a_dutch_reason(name):
    g = table_guards()[name]
    (yes_data, yes_payload), (no_data, no_payload) = GUARD_EXAMPLES[name]
    yes = ctx_for(yes_data, yes_payload)
    assert g.check(yes.case, yes) is None
    no = ctx_for(no_data, no_payload)
    reason = g.check(no.case, no)
    assert reason and reason[0].isupper()
    assert reason == (g.reason if isinstance(g.reason, str) else g.reason(no.case, no))


def test_reasons_count_what_is_still_missing():
    g = table_guards()
    ctx = ctx_for({"workplace_profile": {"01": 2}})
    assert g["workplace_profile_complete"].check(ctx.case, ctx) == (
        "Vul het INVRA-werkplekprofiel volledig in: nog 37 van de 38 competenties zonder niveau")
    ctx = ctx_for({"candidates": [cand("voorgesteld"), cand("gesprek"), cand("aangenomen")]})
    assert g["every_candidate_decided"].check(ctx.case, ctx).endswith("nog 2 zonder uitkomst")
    assert g["tasks_chosen"].check(ctx.case, ctx) == "Kies eerst ten minste één taak voor de vacature"


def test_without_a_candidate_in_view_the_interview_guard_asks_whether_anyone_was_interviewed():
    g = table_guards()["interview_held"]
    nobody = ctx_for({"candidates": [cand("voorgesteld")]})
    someone = ctx_for({"candidates": [cand("gesprek", interview={"date": "2026-11-23"})]})
    assert g.check(nobody.case, nobody) is not None
    assert g.check(someone.case, someone) is None


# -- what the actions record --------------------------------------------------------------


def test_a_hire_starts_the_candidate_plan_with_what_it_needs():
    data = {"harrie_user_id": 12, "vacancy": dict(VACANCY), "workplace_profile": dict(FULL_PROFILE),
            "candidates": [cand("gesprek", interview={"date": "2026-11-23"})]}
    payload = rec.clean_hire({"candidate_id": 5, "start_date": "2026-12-01", "contract_hours": 32, "fulltime": False})
    ctx = ctx_for(data, payload)
    rec.hire_candidate(ctx)
    (spawn,) = ctx.spawns
    assert spawn.workflow == "candidate_plan" and spawn.organisation_id == 42
    assert spawn.data == {"candidate_id": 5, "start_date": "2026-12-01", "contract_hours": 32.0, "fulltime": False,
                          "harrie_user_id": 12, "vacancy": {**VACANCY, "workplace_profile": FULL_PROFILE}}
    assert ctx.data["candidates"][0]["status"] == "aangenomen" and ctx.data["candidates"][0]["plan"] == "loopt"


def test_an_outcome_is_recorded_once_per_candidate():
    data = {"candidates": [cand("niet_aangenomen")]}
    with pytest.raises(InvalidPayload) as info:
        rec.reject_candidate(ctx_for(data, {"candidate_id": 5, "reason": "anders"}))
    assert "al vastgelegd" in info.value.errors["candidate_id"]
    with pytest.raises(InvalidPayload, match="ingevoerde"):
        rec.record_interview(ctx_for(data, {"candidate_id": 6, "date": "2026-11-23"}))


def test_a_finished_plan_is_recorded_idempotently_and_unknown_ones_never_block_the_plan():
    data = {"candidates": [cand("aangenomen", plan="loopt")]}
    ctx = ctx_for(data, {"candidate_id": 5, "outcome": "afgerond"}, state="trajectplan")
    rec.record_plan_finished(ctx)
    rec.record_plan_finished(ctx)  # the engine may try two branches with the same data
    assert data["candidates"][0] == cand("aangenomen", plan="afgerond", plan_outcome="afgerond")
    rec.record_plan_finished(ctx_for(data, {"candidate_id": 99, "outcome": "afgerond"}))
    assert rec.clean_plan_finished({"candidate_id": 5, "outcome": "x", "plan_case_id": 3}) == {
        "candidate_id": 5, "outcome": "x"}


def test_stopping_remembers_the_phase_the_reason_and_who():
    ctx = ctx_for({}, rec.clean_stop({"reason": "geen_geschikte_taken"}), state="eindgesprek")
    rec.record_stop(ctx)
    assert ctx.data["stopped"] == {"phase": "eindgesprek", "reason": "geen_geschikte_taken", "explanation": None,
                                   "on": "2026-11-23", "by_role": JOB}


@pytest.mark.parametrize("cleaner, payload, field", [
    (rec.clean_stop, {}, "reason"),
    (rec.clean_stop, {"reason": "anders", "explanation": "  "}, "explanation"),
    (rec.clean_stop, {"reason": ["geen_draagvlak"]}, "reason"),
    (rec.clean_advisory_meeting, {}, "payload"),
    (rec.clean_advisory_meeting, {"date": "23-11-2026"}, "date"),
    (rec.clean_advisory_meeting, {"participants": ["directeur"]}, "participants"),
    (rec.clean_advisory_meeting, {"support": "veel"}, "support"),
    (rec.clean_advisory_meeting, {"departments": [{"possibilities": "x"}]}, "departments"),
    (rec.clean_advisory_meeting, {"salary": 1}, "salary"),
    (rec.clean_company_analysis, {"tasks": "kratten"}, "tasks"),
    (rec.clean_closing_meeting, {"chosen_tasks": [1]}, "date"),
    (rec.clean_closing_meeting, {"date": "2026-11-23", "chosen_tasks": [True]}, "chosen_tasks"),
    (rec.clean_vacancy, {**VACANCY, "hours_per_week": 41}, "hours_per_week"),
    (rec.clean_vacancy, {**VACANCY, "tasks": ["", " "]}, "tasks"),
    (rec.clean_workplace_profile, {"levels": {"01": True}}, "levels"),
    (rec.clean_workplace_profile, {"levels": {"01": 2.0}}, "levels"),
    (rec.clean_candidate_ref, {"candidate_id": True}, "candidate_id"),
    (rec.clean_hire, {"candidate_id": 5, "start_date": "2026-12-01", "contract_hours": 24}, "fulltime"),
    (rec.clean_rejection, {"candidate_id": 5, "reason": "te oud"}, "reason"),
    (rec.no_fields, {"x": 1}, "x"),
])
def test_payload_checks_name_the_field_that_is_wrong(cleaner, payload, field):
    with pytest.raises(InvalidPayload) as info:
        cleaner(payload)
    assert field in info.value.errors


def test_payload_checks_keep_clean_values():
    assert rec.clean_advisory_meeting(
        {"date": "2026-11-19", "participants": ["opdrachtgever", "job", "job"], "notes": "  Goed gesprek "}
    ) == {"date": "2026-11-19", "participants": ["job", "opdrachtgever"], "notes": "Goed gesprek"}
    assert rec.clean_closing_meeting({"date": "2026-11-23", "chosen_tasks": [3, 1, 3]})["chosen_tasks"] == [1, 3]
    assert rec.clean_vacancy({**VACANCY, "hours_per_week": 24})["hours_per_week"] == 24.0
