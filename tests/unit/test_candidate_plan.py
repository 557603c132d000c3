"""The trajectplan table read as a specification: phases, dates, tasks, guards, payloads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.errors import InvalidPayload
from engine.registry import Registry
from engine.spec import ANY_STATE, SYSTEM, SYSTEM_ACTOR, Actor, CaseView, Ctx
from engine.starting import start_refusal
from workflows.domain import candidate_plan as plan
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.usecases.catalog import build_registry

START = date(2026, 11, 23)  # a Monday
JOB_ACTOR = Actor(user_id=1, role=JOB, organisation_id=1)
BOSS = Actor(user_id=2, role=OPDRACHTGEVER, organisation_id=2)


def _ctx(data: dict, payload: dict | None = None, actor: Actor = JOB_ACTOR, state: str = "afbouw",
         now: datetime = datetime(2026, 12, 20, 9, tzinfo=UTC), trigger: str = "x") -> Ctx:
    view = CaseView(id=1, workflow=plan.NAME, version=1, state=state, organisation_id=2, parent_id=None, data=data)
    return Ctx(now=now, actor=actor, trigger=trigger, case=view, payload=payload or {}, data=data)


def test_the_table_is_valid_and_registered_in_the_catalogue():
    Registry().register(plan.WORKFLOW)
    assert plan.NAME in build_registry().names()


def test_a_plan_is_started_by_the_hire_in_a_company_trajectory_and_the_refusal_names_it():
    registry = build_registry()
    parent, trigger = plan.WORKFLOW.started_by
    hire = next(t for t in registry.latest(parent).spec.transitions if t.trigger == trigger)
    assert hire.effect is not None and hire.label
    refusal = start_refusal(registry, plan.NAME)
    assert refusal is not None and hire.label in refusal.message
    assert start_refusal(registry, parent) is None  # the company trajectory itself starts directly


def test_phases_follow_the_seed_from_preparation_to_month_12():
    assert plan.OPEN_PHASES == ("voorbereiding", "inwerken", "afbouw", "invra_observatie", "actieplan", "vervolg",
                                "afsluiting")
    data = {"start_date": START.isoformat()}
    bounds = [(p, plan.phase_start(p, data), plan.phase_end(p, data)) for p in plan.OPEN_PHASES]
    assert bounds == [
        ("voorbereiding", None, date(2026, 11, 23)),
        ("inwerken", date(2026, 11, 23), date(2026, 12, 7)),  # weeks 1-2
        ("afbouw", date(2026, 12, 7), date(2026, 12, 23)),  # weeks 3-4, to the end of month 1
        ("invra_observatie", date(2026, 12, 23), date(2027, 1, 23)),  # month 2
        ("actieplan", date(2027, 1, 23), date(2027, 2, 23)),  # month 3
        ("vervolg", date(2027, 2, 23), date(2027, 10, 23)),  # months 4-11
        ("afsluiting", date(2027, 10, 23), None),  # month 12
    ]


def test_every_milestone_date_by_hand_with_the_default_six_week_interval():
    due = [(m.key, m.due_on, m.opens_on) for m in plan.schedule({"start_date": START.isoformat()})]
    assert due == [
        ("week4", date(2026, 12, 20), date(2026, 12, 13)),  # last day of week 4
        ("invra_observatie", date(2027, 1, 15), date(2027, 1, 8)),  # a week before the decision
        ("proefplaatsing", date(2027, 1, 22), date(2027, 1, 15)),  # last day of two months
        ("maand3", date(2027, 2, 22), date(2027, 2, 15)),  # last day of month 3
        ("evaluatie_1", date(2027, 4, 5), date(2027, 3, 29)),  # then every 6 weeks ...
        ("evaluatie_2", date(2027, 5, 17), date(2027, 5, 10)),
        ("evaluatie_3", date(2027, 6, 28), date(2027, 6, 21)),
        ("evaluatie_4", date(2027, 8, 9), date(2027, 8, 2)),
        ("evaluatie_5", date(2027, 9, 20), date(2027, 9, 13)),
        ("evaluatie_6", date(2027, 11, 1), date(2027, 10, 25)),  # 3 weeks (half an interval) before the end
        ("eind", date(2027, 11, 22), date(2027, 11, 15)),  # last day of the plan year
    ]


def test_interval_notice_and_proefplaatsing_are_settings_of_the_plan():
    data = {"start_date": START.isoformat(),
            "schedule": {"evaluation_interval_weeks": 13, "notice_days": 0, "proefplaatsing_months": 3}}
    ms = {m.key: m for m in plan.schedule(data)}
    assert [k for k in ms if k.startswith("evaluatie_")] == ["evaluatie_1", "evaluatie_2"]
    assert ms["evaluatie_1"].due_on == date(2027, 5, 24) and ms["evaluatie_1"].opens_on == date(2027, 5, 24)
    assert ms["proefplaatsing"].due_on == date(2027, 2, 22)
    four = plan.schedule({"start_date": START.isoformat(), "schedule": {"evaluation_interval_weeks": 4}})
    assert len([m for m in four if m.key.startswith("evaluatie_")]) == 9 <= plan.MAX_REGULAR


def test_paused_days_move_every_date_except_what_is_already_recorded():
    data = {"start_date": START.isoformat(), "paused_days": 10,
            "milestones": {"week4": {"opened_on": "2026-12-13", "closed": "vastgelegd", "due_on": "2026-12-20"}}}
    ms = {m.key: m for m in plan.schedule(data)}
    assert ms["week4"].due_on == date(2026, 12, 20)
    assert ms["maand3"].due_on == date(2027, 3, 4)
    assert plan.phase_end("afbouw", data) == date(2027, 1, 2)
    assert plan.plan_end(data) == date(2027, 12, 3)


def test_every_phase_ends_by_a_system_timer_and_every_milestone_can_fall_due_in_every_phase():
    wf = plan.WORKFLOW
    for p in plan.PHASES[:-1]:
        assert [t.fire for t in wf.timers_for(p.state) if t.fire.startswith("begin_")] == [p.next_trigger]
    for p in plan.PHASES:
        assert {t.fire for t in wf.timers_for(p.state) if t.fire.startswith("open_")} == {
            f"open_{k.key}" for k in plan.MILESTONE_KINDS}
    for t in wf.transitions:
        if t.trigger.startswith(("begin_", "open_")):
            assert t.by == (SYSTEM,)


def test_each_milestone_opens_standing_tasks_for_job_and_the_right_people():
    keys = {t.key: t for t in plan.WORKFLOW.tasks}
    assert all(t.on_enter == ANY_STATE for t in plan.WORKFLOW.tasks)
    for k in plan.MILESTONE_KINDS:
        roles = {role for role, _ in k.roles}
        assert JOB in roles
        if k.kind == plan.EVALUATION and k.key != "invra_observatie":
            assert roles == {JOB, HARRIE, OPDRACHTGEVER}
        for role in roles:
            assert f"{k.key}:{role}" in keys
    view = CaseView(1, plan.NAME, 1, "afbouw", 1, None, {"harrie_user_id": 7, "contact_user_id": 8})
    assert (keys["week4:harrie"].assign_to(view), keys["week4:opdrachtgever"].assign_to(view)) == (7, 8)
    assert keys["week4:job"].assign_to is None  # JoB's queue


def test_a_milestone_task_is_wanted_while_pending_and_not_paused():
    when = next(t.when for t in plan.WORKFLOW.tasks if t.key == "week4:job")
    view = lambda data: CaseView(1, plan.NAME, 1, "afbouw", 1, None, {"start_date": START.isoformat(), **data})  # noqa: E731
    assert not when(view({}))
    assert when(view({"milestones": {"week4": {"opened_on": "2026-12-13"}}}))
    assert not when(view({"milestones": {"week4": {"opened_on": "2026-12-13", "closed": "vastgelegd"}}}))
    assert not when(view({"milestones": {"week4": {"opened_on": "2026-12-13"}}, "pause": {"state": "afbouw"}}))


def test_timer_for_a_milestone_is_set_in_the_phase_where_it_falls_due():
    opens = next(t.after for t in plan.WORKFLOW.timers if t.name == "open_week4" and t.in_state == "afbouw")
    data = {"start_date": START.isoformat()}
    view = lambda state, extra=None: CaseView(1, plan.NAME, 1, state, 1, None, {**data, **(extra or {})})  # noqa: E731
    entered = datetime(2026, 12, 7, tzinfo=UTC)
    assert opens(view("afbouw"), entered) == plan.local_midnight(date(2026, 12, 13))
    assert opens(view("afbouw"), entered) == datetime(2026, 12, 12, 23, 0, tzinfo=UTC)  # CET
    assert opens(view("inwerken"), entered) is None  # not in weeks 1-2: the afbouw phase schedules it
    assert opens(view("afbouw", {"milestones": {"week4": {"opened_on": "2026-12-13"}}}), entered) is None


def test_opening_a_milestone_twice_changes_nothing():
    effect = plan.open_milestone("week4")
    data = {"start_date": START.isoformat()}
    effect(_ctx(data))
    first = dict(data["milestones"]["week4"])
    effect(_ctx(data, now=datetime(2026, 12, 24, 9, tzinfo=UTC)))
    assert data["milestones"]["week4"] == first == {"opened_on": "2026-12-20"}


def test_signing_is_possible_only_for_the_own_party_on_the_current_round_once():
    data = {"start_date": START.isoformat(),
            "signoff": {"round": 2, "document": "trajectplan", "offered_on": "2026-11-23", "signed": {"job": "x"}}}
    ok = _ctx(data, {"party": "opdrachtgever", "round": 2}, actor=BOSS, trigger="sign")
    plan.sign(ok)
    assert "opdrachtgever" in data["signoff"]["signed"]
    for payload, actor, reason in [
        ({"party": "opdrachtgever", "round": 2}, BOSS, "Werkgever heeft deze versie al ondertekend"),
        ({"party": "kandidaat", "round": 2}, BOSS, "Uw rol kan niet tekenen namens Kandidaat"),
        ({"party": "kandidaat", "round": 1}, JOB_ACTOR, "nieuwere versie"),
    ]:
        ctx = _ctx(data, payload, actor=actor, trigger="sign")
        assert reason in plan.may_sign.check(ctx.case, ctx)  # the sign action's precondition
    ctx = _ctx({"start_date": START.isoformat()}, {"party": "job", "round": 1})
    assert "nog niet ter ondertekening" in plan.may_sign.check(ctx.case, ctx)


def test_resume_moves_dates_by_whole_dutch_days_and_is_safe_to_run_per_branch():
    data = {"start_date": START.isoformat(), "pause": {"since": "2026-12-10", "state": "afbouw", "reason": "ziekte"}}
    ctx = _ctx(data, state="gepauzeerd", now=datetime(2026, 12, 24, 23, 30, tzinfo=UTC))  # 25 dec in NL
    plan.resume(ctx)
    plan.resume(ctx)
    assert data["paused_days"] == 15 and "pause" not in data
    assert data["pauses"] == [{"from": "2026-12-10", "to": "2026-12-25", "days": 15, "reason": "ziekte",
                               "state": "afbouw"}]
    assert plan.paused_in("afbouw")(ctx.case, ctx) and not plan.paused_in("inwerken")(ctx.case, ctx)


@pytest.mark.parametrize("cleaner, payload", [
    (plan.clean_reason(plan.STOP_REASONS), {"reason": "kandidaat is ziek geworden"}),
    (plan.clean_reason(plan.STOP_REASONS), {}),
    (plan.clean_milestone_ref, {"milestone": "week9"}),
    (plan.clean_milestone_ref, {"milestone": "week4", "evaluation_id": "3"}),
    (plan.clean_sign, {"party": "harrie", "round": 1}),
    (plan.clean_sign, {"party": "job", "round": 0}),
    (plan.clean_document, {"filled": ["salaris"]}),
    (plan.clean_hours_ref, {"entry_id": 1}),
    (plan.clean_observation_ref, {"observation_id": 1, "observed_on": "gisteren"}),
    (plan.no_fields, {"extra": 1}),
    (plan.clean_schedule_change, {}),
])
def test_payloads_with_unknown_or_wrong_fields_are_refused(cleaner, payload):
    with pytest.raises(InvalidPayload):
        cleaner(payload)


def test_stop_reasons_are_categories_never_free_text_in_the_audit_trail():
    assert plan.clean_reason(plan.STOP_REASONS)({"reason": "ziekte"}) == {"reason": "ziekte"}
    assert {"uitval", "ziekte", "ander_werk", "anders"} <= set(plan.STOP_REASONS)


def test_ending_a_plan_reports_its_outcome_to_the_company_trajectory():
    data = {"start_date": START.isoformat(), "candidate_id": 5}
    view = CaseView(9, plan.NAME, 1, "afbouw", 2, 3, data)
    ctx = Ctx(now=datetime(2026, 12, 20, tzinfo=UTC), actor=SYSTEM_ACTOR, trigger="stop", case=view,
              payload={"reason": "uitval"}, data=data)
    plan.stop(ctx)
    assert [(f.case_id, f.trigger, f.payload) for f in ctx.follow_ups] == [
        (3, "plan_finished", {"candidate_id": 5, "outcome": "gestopt"})]
    alone = _ctx({"start_date": START.isoformat(), "candidate_id": 5}, {"reason": "uitval"})
    plan.stop(alone)
    assert alone.follow_ups == []


def test_the_closing_guards_need_the_closing_evaluation_and_a_contract():
    data = {"start_date": START.isoformat()}
    ctx = _ctx(data, state="afsluiting")
    assert not plan.closing_evaluation_recorded(ctx.case, ctx) and not plan.contract_offered(ctx.case, ctx)
    data.update(milestones={"eind": {"closed": "vastgelegd"}}, contract={"decision": "ja"})
    assert plan.closing_evaluation_recorded(ctx.case, ctx) and plan.contract_offered(ctx.case, ctx)


def test_late_means_pending_after_the_end_of_its_dutch_due_day():
    data = {"start_date": START.isoformat(), "milestones": {"week4": {"opened_on": "2026-12-13"}}}
    assert plan.late_milestones(data, datetime(2026, 12, 20, 22, 58, tzinfo=UTC)) == []  # 23:58 in NL
    assert [m.key for m in plan.late_milestones(data, datetime(2026, 12, 20, 23, 0, tzinfo=UTC))] == ["week4"]
    assert plan.end_of_day(date(2026, 12, 20)) == datetime(2026, 12, 20, 22, 59, tzinfo=UTC)
    assert plan.local_midnight(date(2027, 7, 1)) == datetime(2027, 6, 30, 22, 0, tzinfo=UTC)  # CEST
    assert timedelta(0) < plan.end_of_day(date(2027, 7, 1)) - plan.local_midnight(date(2027, 7, 1))
