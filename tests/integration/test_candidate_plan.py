"""The candidate trajectplan's use cases: each one transaction, refusals leave nothing behind."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.errors import (
    CaseNotFound,
    GuardRejected,
    InvalidPayload,
    NotFound,
    NotPermitted,
    StartRefused,
)
from engine.runtime import create_case
from engine.store.models import AuditEntry, Case, Task, Timer
from tests.helpers import snapshot
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.domain import invra
from workflows.domain.rules import add_months
from workflows.storage.plan_models import CoachingEntry, PlanEvaluation, PlanGoal, PlanSignoff
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)
ALL_TWO = {code: 2 for code in invra.CODES}


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def everything(db) -> dict:
    """Engine tables plus the plan's own tables: 'nothing stored' means none of them changed."""
    out = snapshot(db)
    with db.read() as s:
        for model in (PlanEvaluation, PlanGoal, PlanSignoff, CoachingEntry):
            out[model.__tablename__] = sorted(tuple(map(str, r)) for r in s.execute(select(model.__table__)).all())
    return out


def goto(world, day: date) -> None:
    world.clock.set(plan.local_midnight(day) + timedelta(hours=9))
    run_due_timers(world.services, world.clock.now())


def open_tasks(db, case_id: int) -> dict[str, Task]:
    with db.read() as s:
        return {t.key: t for t in s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open"))}


def ready_to_sign(world, case_id: int) -> None:
    world.plans.update_document(world.job, case_id, function="Medewerker inpak", contact_user_id=world.boss.user_id,
                                coaching_need="Werkprofiel INVRA introduceren", onboarding_programme="Maand 1: ...")
    world.plans.add_goal(world.job, case_id, specific="Zelfstandig de inpaklijn bedienen",
                         measure="Harrie hoeft drie weken niet bij te sturen", target_date=START + timedelta(days=60),
                         owner="kandidaat", competence="3")


# -- starting --------------------------------------------------------------------------------


def test_a_plan_starts_in_preparation_with_a_task_to_draft_it(world, db):
    case = world.start()
    assert case.state == "voorbereiding" and case.organisation_id == world.employer
    task = open_tasks(db, case.id)["draft_plan"]
    assert task.role == "job" and ensure_utc(task.due_at) == plan.end_of_day(START)


def test_a_plan_is_never_started_on_its_own_only_by_a_hire_and_nothing_is_stored(world, db):
    """The hire's checks (candidate, Harrie, hours, one running plan) make a plan legitimate."""
    data = {"candidate_id": world.candidate_id, "start_date": "2000-01-01", "contract_hours": 32.0,
            "fulltime": True}
    before = everything(db)
    for actor in (world.job, world.admin, world.boss):
        with pytest.raises(StartRefused) as info:
            world.services.start_case(actor, plan.NAME, data, organisation_id=world.employer)
        assert "start u niet los" in info.value.message
    with pytest.raises(StartRefused), db.write() as s:  # below the use cases too: no parent, no plan
        create_case(s, world.services.registry, plan.NAME, data, actor=world.job, now=world.clock.now(),
                    organisation_id=world.employer)
    assert everything(db) == before


def test_a_company_trajectory_starts_the_plan_as_a_child_and_hears_when_it_ends(world, db):
    parent = world.services.start_case(world.job, "parent_stand_in", {}, organisation_id=world.employer)
    world.services.fire_trigger(world.job, parent.id, "hire", {
        "candidate_id": world.candidate_id, "start_date": "2026-11-30", "contract_hours": 24.0, "fulltime": False,
        "harrie_user_id": world.harrie.user_id, "vacancy": {"title": "Inpakker", "workplace_profile": ALL_TWO}})
    with db.read() as s:
        child = s.scalars(select(Case).where(Case.parent_id == parent.id)).one()
    assert (child.workflow, child.state, child.organisation_id) == ("candidate_plan", "voorbereiding", world.employer)
    goto(world, START + timedelta(days=20))
    world.plans.stop(world.job, child.id, reason="ander_werk")
    assert world.services.get_case(world.job, parent.id).data["finished"] == [
        {"candidate_id": world.candidate_id, "outcome": "gestopt"}]
    overview = world.plans.plan_overview(world.job, child.id)
    assert overview.function == "Inpakker" and overview.outcome == "gestopt" and not overview.late


# -- three-party agreement -------------------------------------------------------------------


def test_the_plan_is_signed_by_candidate_employer_and_job_each_from_their_own_inbox(world, db):
    case = world.start()
    with pytest.raises(GuardRejected, match="Formuleer eerst ten minste één SMART-doel"):
        world.plans.offer_for_signature(world.job, case.id)
    ready_to_sign(world, case.id)
    world.plans.offer_for_signature(world.job, case.id)
    tasks = open_tasks(db, case.id)
    assert "draft_plan" not in tasks
    assert {k: (t.role, t.assignee_id) for k, t in tasks.items() if k.startswith("sign_")} == {
        "sign_job": ("job", None), "sign_kandidaat": ("job", None),
        "sign_opdrachtgever": ("opdrachtgever", world.boss.user_id)}
    assert ensure_utc(tasks["sign_job"].due_at) == plan.end_of_day(date(2026, 12, 3))  # offered 23 nov + 10 days

    world.plans.sign(world.boss, case.id, party="opdrachtgever", round=1)
    world.plans.sign(world.job, case.id, party="kandidaat", round=1, signed_on="2026-11-23")
    assert world.plans.plan_overview(world.job, case.id).signoff.label == "Niet ondertekend"
    with db.read() as s:
        boss_task = s.scalars(select(Task).where(Task.case_id == case.id, Task.key == "sign_opdrachtgever")).one()
    assert boss_task.status == "done" and boss_task.completed_by_id == world.boss.user_id
    assert set(open_tasks(db, case.id)) & {"sign_job", "sign_kandidaat", "sign_opdrachtgever"} == {"sign_job"}

    world.plans.sign(world.job, case.id, party="job", round=1)
    overview = world.plans.plan_overview(world.harrie, case.id)
    assert overview.signoff.complete and overview.signoff.label == "Ondertekend"
    trail = world.services.audit_trail(world.job, case.id)
    assert [(e.actor_user_id, e.payload) for e in trail if e.trigger == "sign"] == [
        (world.boss.user_id, {"party": "opdrachtgever", "round": 1}),
        (world.job.user_id, {"party": "kandidaat", "round": 1}),
        (world.job.user_id, {"party": "job", "round": 1})]


def test_signing_twice_an_old_version_or_for_another_party_is_refused(world, db):
    case = world.start()
    ready_to_sign(world, case.id)
    world.plans.offer_for_signature(world.job, case.id)
    world.plans.sign(world.boss, case.id, party="opdrachtgever", round=1)
    before = everything(db)
    with pytest.raises(GuardRejected, match="Werkgever heeft deze versie al ondertekend"):
        world.plans.sign(world.boss, case.id, party="opdrachtgever", round=1)
    with pytest.raises(GuardRejected, match="Uw rol kan niet tekenen namens JoB"):
        world.plans.sign(world.boss, case.id, party="job", round=1)
    with pytest.raises(GuardRejected, match="nieuwere versie"):
        world.plans.sign(world.job, case.id, party="job", round=0 + 2)
    with pytest.raises(NotPermitted):
        world.plans.sign(world.harrie, case.id, party="opdrachtgever", round=1)
    with pytest.raises(InvalidPayload):
        world.plans.sign(world.job, case.id, party="job", round=1, signed_on="2026-11-24")  # tomorrow
    assert everything(db) == before


def test_a_revised_action_plan_needs_all_three_signatures_again_and_changes_show(world, db):
    case = world.start()
    ready_to_sign(world, case.id)
    world.plans.offer_for_signature(world.job, case.id)
    for actor, party in ((world.boss, "opdrachtgever"), (world.job, "kandidaat"), (world.job, "job")):
        world.plans.sign(actor, case.id, party=party, round=1)
    world.plans.add_goal(world.job, case.id, specific="Pauzes zelf bewaken", measure="Vier weken zonder herinnering",
                         target_date=START + timedelta(days=120), owner="kandidaat")
    assert world.plans.plan_overview(world.job, case.id).signoff.label == "Ondertekend, daarna gewijzigd"
    with pytest.raises(GuardRejected, match="INVRA-observatie"):
        world.plans.offer_for_signature(world.job, case.id, "actieplan")
    world.plans.record_observation(world.job, case.id, observed_on="2026-11-23", scores=ALL_TWO)
    world.plans.offer_for_signature(world.job, case.id, "actieplan")
    overview = world.plans.plan_overview(world.job, case.id)
    assert (overview.signoff.round, overview.signoff.document, overview.signoff.label) == (
        2, "actieplan", "Niet ondertekend")
    assert {"sign_job", "sign_kandidaat", "sign_opdrachtgever"} <= set(open_tasks(db, case.id))


# -- evaluations ---------------------------------------------------------------------------


def test_an_evaluation_can_be_recorded_once_it_falls_due_and_then_its_tasks_close(world, db):
    case = world.start()
    goal = world.plans.add_goal(world.job, case.id, specific="Inpaklijn", measure="Drie weken zelfstandig",
                                target_date=START + timedelta(days=60), owner="kandidaat")
    goto(world, START + timedelta(days=19))  # week-4 evaluation opens on day 20
    with pytest.raises(InvalidPayload, match="staat nog niet open") as refused:
        world.plans.record_evaluation(world.job, case.id, milestone="week4", held_on=world.clock.now().date(),
                                      discussed="Eerste weken")
    assert "staat nog niet open" in refused.value.errors["milestone"]  # next to the field that is wrong
    goto(world, START + timedelta(days=22))
    assert {"week4:job", "week4:harrie", "week4:opdrachtgever"} <= set(open_tasks(db, case.id))
    evaluation = world.plans.record_evaluation(
        world.job, case.id, milestone="week4", held_on=START + timedelta(days=22), discussed="Gaat goed",
        next_steps="INVRA-observatie in maand 2", goal_reviews=[{"goal_id": goal, "status": "deels", "note": "Bijna"}])
    assert not {"week4:job", "week4:harrie", "week4:opdrachtgever"} & set(open_tasks(db, case.id))
    overview = world.plans.plan_overview(world.job, case.id)
    assert overview.timeline[0].status == "vastgelegd" and overview.timeline[0].evaluation_id == evaluation
    assert overview.goals[0].status == "deels"
    assert overview.evaluations[0].goal_reviews == ((goal, "deels", "Bijna"),)
    trail = world.services.audit_trail(world.job, case.id)
    assert trail[-1].payload == {"milestone": "week4", "evaluation_id": evaluation}  # ids, no text


def test_an_evaluation_recorded_twice_for_the_same_due_date_is_refused_in_dutch(world, db):
    case = world.start()
    goto(world, START + timedelta(days=22))
    world.plans.record_evaluation(world.job, case.id, milestone="week4", held_on=START + timedelta(days=22),
                                  discussed="Gaat goed")
    before = everything(db)
    with pytest.raises(InvalidPayload) as info:
        world.plans.record_evaluation(world.job, case.id, milestone="week4", held_on=START + timedelta(days=22),
                                      discussed="Nog een keer")
    assert info.value.errors == {"milestone": "Evaluatie week 4: voortgang en introductie INVRA (datum 27 dec "
                                              "2026) is al vastgelegd op 22 dec 2026."}
    assert everything(db) == before


def test_bad_evaluation_input_gets_dutch_messages_and_stores_nothing(world, db):
    case = world.start()
    other = world.start(candidate_id=world.second_candidate_id)
    foreign_goal = world.plans.add_goal(world.job, other.id, specific="x", measure="y",
                                        target_date=START + timedelta(days=30), owner="job")
    goto(world, START + timedelta(days=50))  # week 4 and the month-2 observation are open
    before = everything(db)
    with pytest.raises(InvalidPayload) as info:
        world.plans.record_evaluation(world.job, case.id, milestone="invra_observatie", held_on="gisteren",
                                      discussed=" ")
    assert info.value.errors == {"held_on": "Vul een geldige datum in (jjjj-mm-dd).",
                                 "discussed": "Dit veld is verplicht.", "interview_candidate": "Dit veld is verplicht.",
                                 "interview_harrie": "Dit veld is verplicht."}
    with pytest.raises(NotFound, match="hoort niet bij dit trajectplan"):
        world.plans.record_evaluation(world.job, case.id, milestone="week4", held_on=START + timedelta(days=25),
                                      discussed="ok", goal_reviews=[{"goal_id": foreign_goal, "status": "behaald"}])
    with pytest.raises(GuardRejected, match="Leg eerst een INVRA-observatie"):
        world.plans.record_evaluation(world.job, case.id, milestone="invra_observatie", held_on=world.clock.now().date(),
                                      discussed="Observatie", interview_candidate="a", interview_harrie="b")
    with pytest.raises(NotPermitted):
        world.plans.record_evaluation(world.harrie, case.id, milestone="week4", held_on=START, discussed="x")
    assert everything(db) == before


def test_month3_evaluation_needs_a_person_profile_and_an_action_plan(world, db):
    case = world.start()
    goto(world, add_months(START, 3) - timedelta(days=3))
    with pytest.raises(GuardRejected, match="INVRA-observatie"):
        world.plans.record_evaluation(world.job, case.id, milestone="maand3", held_on=world.clock.now().date(),
                                      discussed="INVRA")
    world.plans.record_observation(world.job, case.id, observed_on=world.clock.now().date(), scores=ALL_TWO)
    with pytest.raises(GuardRejected, match="actieplan"):
        world.plans.record_evaluation(world.job, case.id, milestone="maand3", held_on=world.clock.now().date(),
                                      discussed="INVRA")
    world.plans.add_goal(world.job, case.id, specific="Tempo", measure="Norm halen", owner="kandidaat",
                         target_date=add_months(START, 6), competence="04")
    world.plans.record_evaluation(world.job, case.id, milestone="maand3", held_on=world.clock.now().date(),
                                  discussed="INVRA")


def test_a_skipped_evaluation_cancels_its_tasks_with_a_reason(world, db):
    case = world.start()
    goto(world, START + timedelta(days=22))
    with pytest.raises(InvalidPayload):
        world.plans.skip_evaluation(world.job, case.id, milestone="week4", reason="zomaar")
    world.plans.skip_evaluation(world.job, case.id, milestone="week4", reason="samengevoegd")
    with db.read() as s:
        statuses = set(s.scalars(select(Task.status).where(Task.case_id == case.id, Task.key.like("week4:%"))))
    assert statuses == {"cancelled"}
    assert world.services.audit_trail(world.job, case.id)[-1].reason == "Samengevoegd met een andere evaluatie"


# -- the proefplaatsing decision, stop and close ------------------------------------------------


def test_no_contract_after_the_proefplaatsing_ends_the_plan(world, db):
    case = world.start()
    goto(world, add_months(START, 2) - timedelta(days=5))
    assert {"proefplaatsing:opdrachtgever", "proefplaatsing:job"} <= set(open_tasks(db, case.id))
    with pytest.raises(InvalidPayload):
        world.plans.decide_contract(world.boss, case.id, contract=False, reason="geen idee")
    ended = world.plans.decide_contract(world.boss, case.id, contract=False, reason="werk_past_niet")
    assert ended.state == "geen_contract" and ended.closed_at is not None
    assert open_tasks(db, case.id) == {}
    with db.read() as s:
        assert s.scalars(select(Timer).where(Timer.case_id == case.id, Timer.status == "pending")).all() == []


def test_a_plan_is_closed_after_the_closing_evaluation_with_a_contract(world, db):
    parent = world.services.start_case(world.job, "parent_stand_in", {}, organisation_id=world.employer)
    world.services.fire_trigger(world.job, parent.id, "hire", {
        "candidate_id": world.candidate_id, "start_date": START.isoformat(), "contract_hours": 32.0,
        "fulltime": True, "harrie_user_id": world.harrie.user_id, "vacancy": {}})
    with db.read() as s:
        case_id = s.scalar(select(Case.id).where(Case.parent_id == parent.id))
    goto(world, add_months(START, 2) - timedelta(days=5))
    world.plans.decide_contract(world.boss, case_id, contract=True)
    with pytest.raises(GuardRejected, match="al vastgelegd"):
        world.plans.decide_contract(world.job, case_id, contract=False, reason="anders")
    goto(world, add_months(START, 12) - timedelta(days=2))
    with pytest.raises(GuardRejected, match="Leg eerst de eindevaluatie vast"):
        world.plans.close(world.job, case_id)
    world.plans.record_evaluation(world.job, case_id, milestone="eind", held_on=world.clock.now().date(),
                                  discussed="Jaar afgerond")
    closed = world.plans.close(world.job, case_id)
    assert closed.state == "afgerond"
    assert world.services.get_case(world.job, parent.id).data["finished"] == [
        {"candidate_id": world.candidate_id, "outcome": "afgerond"}]
    with db.read() as s:
        _, problems = verify_all(s, world.services.registry)
    assert problems == []


def test_actions_explain_what_is_possible_including_their_preconditions(world, db):
    case = world.start()
    ready_to_sign(world, case.id)
    world.plans.offer_for_signature(world.job, case.id)
    world.plans.sign(world.boss, case.id, party="opdrachtgever", round=1)
    options = {o.trigger: o for o in world.services.actions_for(world.boss, case.id, {"sign": {"party": "opdrachtgever"}})}
    assert options["sign"].allowed is False and options["sign"].reason == "Werkgever heeft deze versie al ondertekend"
    job = {o.trigger: o for o in world.services.actions_for(world.job, case.id,
                                                                {"record_evaluation": {"milestone": "week4"}})}
    assert job["sign"].allowed and job["offer_for_signature"].allowed
    assert job["record_evaluation"].reason.startswith("Evaluatie week 4: voortgang en introductie INVRA staat nog niet")
    assert "begin_inwerken" not in job  # only the calendar moves the phases


def test_a_changed_interval_reschedules_the_evaluations_still_to_come(world, db):
    case = world.start()
    goto(world, add_months(START, 3) + timedelta(days=2))  # in the vervolg phase
    with db.read() as s:
        before = {t.name for t in s.scalars(select(Timer).where(Timer.case_id == case.id, Timer.status == "pending"))}
    assert {"open_evaluatie_1", "open_evaluatie_5", "begin_afsluiting"} <= before  # 6 falls due in month 12
    with pytest.raises(InvalidPayload):
        world.plans.adjust_schedule(world.job, case.id, evaluation_interval_weeks=2)
    world.plans.adjust_schedule(world.job, case.id, evaluation_interval_weeks=13)
    with db.read() as s:
        pending = {t.name: ensure_utc(t.due_at) for t in s.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.status == "pending"))}
    data = world.services.get_case(world.job, case.id).data
    first, second = plan.milestone(data, "evaluatie_1"), plan.milestone(data, "evaluatie_2")
    assert first.due_on == add_months(START, 3) - timedelta(days=1) + timedelta(weeks=13)
    assert plan.milestone(data, "evaluatie_3") is None
    assert pending == {"open_evaluatie_1": plan.local_midnight(first.opens_on),
                       "open_evaluatie_2": plan.local_midnight(second.opens_on),
                       "begin_afsluiting": plan.local_midnight(add_months(START, 11))}
    assert world.services.audit_trail(world.job, case.id)[-1].payload == {"evaluation_interval_weeks": 13}


# -- pause and resume ------------------------------------------------------------------------


def test_a_pause_shifts_every_pending_date_by_the_paused_days(world, db):
    case = world.start()
    goto(world, START + timedelta(days=22))  # week-4 evaluation open, due 27 dec
    before = {m.key: m.due_on for m in plan.schedule(world.services.get_case(world.job, case.id).data)}
    world.plans.pause(world.job, case.id, reason="ziekte")
    with db.read() as s:
        week4 = s.scalars(select(Task.status).where(Task.case_id == case.id, Task.key.like("week4:%"))).all()
        assert set(week4) == {"cancelled"}
        assert s.scalars(select(Timer).where(Timer.case_id == case.id, Timer.status == "pending")).all() == []
    goto(world, START + timedelta(days=32))  # ten days later: nothing falls due while paused
    paused = world.plans.plan_overview(world.job, case.id)
    assert paused.paused_since == START + timedelta(days=22) and not paused.late  # week 4 was due 27 dec
    resumed = world.plans.resume(world.job, case.id)
    assert resumed.state == "afbouw" and resumed.data["paused_days"] == 10
    after = {m.key: m.due_on for m in plan.schedule(resumed.data)}
    assert after == {k: d + timedelta(days=10) for k, d in before.items()}
    tasks = open_tasks(db, case.id)
    assert ensure_utc(tasks["week4:job"].due_at) == plan.end_of_day(date(2027, 1, 6))
    with db.read() as s:
        pending = {t.name: ensure_utc(t.due_at) for t in s.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.status == "pending"))}
    assert pending == {"begin_maand2": plan.local_midnight(add_months(START, 1) + timedelta(days=10))}
    trail = world.services.audit_trail(world.job, case.id)
    assert [(e.trigger, e.payload) for e in trail[-2:]] == [("pause", {"reason": "ziekte"}), ("resume", {})]
    assert resumed.data["pauses"] == [{"from": "2026-12-22", "to": "2027-01-01", "days": 10, "reason": "ziekte",
                                      "state": "afbouw"}]


# -- coaching hours -----------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, field, message", [
    ({"hours": -2}, "hours", "Het aantal uren moet groter zijn dan 0."),
    ({"hours": 25}, "hours", "Meer dan 24 uur op één dag kan niet."),
    ({"worked_on": "2026-11-29"}, "worked_on", "De datum ligt voor de start van het trajectplan (30 nov 2026)."),
    ({"worked_on": "2026-12-09"}, "worked_on", "De datum ligt in de toekomst: schrijf uren pas als ze gemaakt zijn."),
    ({"activity": "koffie"}, "activity", "Kies een activiteit."),
    ({"coach_id": -1}, "coach_id", "Kies een actieve jobcoach van JoB."),
])
def test_absurd_hours_are_refused_with_a_dutch_message_and_nothing_stored(world, db, kwargs, field, message):
    case = world.start()
    goto(world, START + timedelta(days=7))
    before = everything(db)
    args = {"worked_on": "2026-12-01", "hours": 4, "activity": "werkvloer", **kwargs}
    with pytest.raises(InvalidPayload) as info:
        world.plans.log_hours(world.job, case.id, **args)
    assert info.value.errors[field] == message
    assert everything(db) == before


def test_more_than_24_hours_on_one_day_in_total_is_refused(world, db):
    case = world.start()
    goto(world, START + timedelta(days=7))
    world.plans.log_hours(world.job, case.id, worked_on="2026-12-01", hours="20", activity="werkvloer")
    before = everything(db)
    with pytest.raises(InvalidPayload, match="De ingevoerde gegevens"):
        world.plans.log_hours(world.job, case.id, worked_on="2026-12-01", hours="4,5", activity="verslag")
    assert everything(db) == before


def test_hours_beyond_the_onboarding_cap_are_stored_flagged_and_warned_about(world, db):
    case = world.start()
    goto(world, START + timedelta(days=10))
    first = world.plans.log_hours(world.job, case.id, worked_on="2026-11-30", hours=24, activity="werkvloer")
    assert first.warnings == [] and not first.over_cap
    near = world.plans.log_hours(world.job, case.id, worked_on="2026-12-01", hours=5, activity="werkvloer")
    assert near.warnings == ["Week 1-2 (inwerken): 91% van het maximum van 32 uur is gebruikt."]
    over = world.plans.log_hours(world.job, case.id, worked_on="2026-12-02", hours="3,5", activity="harrie",
                                 note="Overleg over de afbouw")
    assert over.over_cap
    assert over.warnings == ["Week 1-2 (inwerken): het maximum van 32 uur is overschreden (32,5 uur geschreven)."]
    log = world.plans.hours_log(world.job, case.id)
    assert [(line.hours, line.over_cap, line.coach_name) for line in log] == [
        (Decimal("24.00"), False, "Sanne de Vries"), (Decimal("5.00"), False, "Sanne de Vries"),
        (Decimal("3.50"), True, "Sanne de Vries")]
    hours = world.plans.plan_overview(world.boss, case.id).hours
    assert (hours.onboarding.used, hours.onboarding.status) == (Decimal("32.50"), "overschreden")
    assert hours.years[0].cost_eur == Decimal("0.00")  # proefplaatsing: no cost to the employer
    assert world.services.audit_trail(world.job, case.id)[-1].payload == {"entry_id": log[-1].id, "over_cap": True}


def test_money_settings_are_changed_by_an_administrator_only(world, db):
    case = world.start()
    money = MoneyServices(world.services)
    since = world.clock.now().date().isoformat()
    with pytest.raises(NotPermitted):
        money.change_setting(world.job, "hourly_rate_eur", "45", "Tarieven", since, "Nieuw tarief")
    with pytest.raises(InvalidPayload):
        money.change_setting(world.admin, "uwv_share_year1", "1,5", "Regeling", since, "Nieuwe regeling")
    money.change_setting(world.admin, "uwv_share_year1", "0,15", "Regeling interne jobcoach", "2015-01-01",
                         "Andere regeling")
    money.change_setting(world.admin, "hourly_rate_eur", "45", "Tarieven", since, "Nieuw tarief")
    rules = world.plans.coaching_rules()
    assert rules.uwv_share(1) == Decimal("0.15") and rules.hourly_rate_eur == Decimal("45")
    year1 = world.plans.plan_overview(world.job, case.id).hours.years[0]
    assert year1.budget.cap == Decimal("249.60")  # 0.15 x 32 x 52


# -- INVRA ---------------------------------------------------------------------------------


def test_invra_match_against_the_vacancy_and_growth_between_observations(world, db):
    workplace = {**ALL_TWO, "01": 3}
    case = world.start(vacancy={"title": "Inpakker", "workplace_profile": workplace})
    world.plans.record_observation(world.job, case.id, observed_on="2026-11-20", scores={**ALL_TWO, "01": 1})
    world.plans.record_observation(world.job, case.id, observed_on="2026-11-23", scores={**ALL_TWO, "01": 2,
                                                                                        "02": 3})
    summary = world.plans.plan_overview(world.job, case.id).invra
    assert (summary.match.met, summary.match.score) == (37, 97.4)
    assert [(g.code, g.shortfall) for g in summary.match.gaps] == [("01", 1)]
    assert [(c.code, c.delta) for c in summary.growth.grown] == [("01", 1), ("02", 1)]
    assert summary.labels["01"] == "Competentie 01"
    before = everything(db)
    with pytest.raises(InvalidPayload):
        world.plans.record_observation(world.job, case.id, observed_on="2026-11-23", scores={"01": 4})
    with pytest.raises(InvalidPayload):
        world.plans.record_observation(world.job, case.id, observed_on="2026-12-01", scores=ALL_TWO)
    assert everything(db) == before


def test_an_administrator_loads_the_licensed_labels_others_may_not(world, db):
    with pytest.raises(NotPermitted):
        world.plans.load_invra_labels(world.job, name="INVRA 2026", text="1;Eigen omschrijving")
    world.plans.load_invra_labels(world.admin, name="INVRA 2026", text="1;Eerste\n2;Tweede")
    world.plans.load_invra_labels(world.admin, name="INVRA 2027", text="1;Nieuwe eerste")
    labels = world.plans.invra_labels()
    assert (labels["01"], labels["02"], labels["38"]) == ("Nieuwe eerste", "Competentie 02", "Competentie 38")


def test_candidates_for_a_vacancy_are_ranked_by_their_latest_profile(world, db):
    first, second = world.start(), world.start(candidate_id=world.second_candidate_id)
    world.plans.record_observation(world.job, first.id, observed_on="2026-11-01", scores=ALL_TWO)
    world.plans.record_observation(world.job, first.id, observed_on="2026-11-20", scores={**ALL_TWO, "05": 1})
    world.plans.record_observation(world.job, second.id, observed_on="2026-11-10", scores=ALL_TWO)
    ranked = world.plans.rank_candidates(world.job, ALL_TWO, [world.candidate_id, world.second_candidate_id])
    assert [(r.name, r.match.met) for r in ranked] == [("Fatma Kaya", 38), ("Jan Jansen", 37)]
    with pytest.raises(NotPermitted):
        world.plans.rank_candidates(world.boss, ALL_TWO, [world.candidate_id])
    with pytest.raises(NotFound):
        world.plans.rank_candidates(world.job, ALL_TWO, [world.candidate_id, 999])


# -- access --------------------------------------------------------------------------------


def test_another_employer_cannot_see_or_touch_the_plan(world, db):
    case = world.start()
    ready_to_sign(world, case.id)
    world.plans.offer_for_signature(world.job, case.id)
    before = everything(db)
    with pytest.raises(CaseNotFound):
        world.plans.plan_overview(world.outsider, case.id)
    with pytest.raises(CaseNotFound):
        world.plans.sign(world.outsider, case.id, party="opdrachtgever", round=1)
    for bad_id in (999_999, "1", True):
        with pytest.raises(CaseNotFound):
            world.plans.plan_overview(world.job, bad_id)
    with pytest.raises(InvalidPayload):
        world.plans.update_document(world.job, case.id, contact_user_id=world.outsider.user_id)
    assert everything(db) == before
    assert world.plans.plan_overview(world.harrie, case.id).employer == "Bakkerij De Korenaar"


def test_goal_ids_of_another_plan_are_not_found(world, db):
    case, other = world.start(), world.start(candidate_id=world.second_candidate_id)
    foreign = world.plans.add_goal(world.job, other.id, specific="x", measure="y",
                                   target_date=START + timedelta(days=30), owner="job")
    before = everything(db)
    with pytest.raises(NotFound):
        world.plans.update_goal(world.job, case.id, foreign, status="behaald")
    with pytest.raises(InvalidPayload) as info:
        world.plans.add_goal(world.job, case.id, specific="x", measure="y", target_date="2028-01-01", owner="job")
    assert info.value.errors == {"target_date": "Kies een streefdatum binnen het planjaar."}
    assert everything(db) == before


def test_every_plan_change_is_in_a_verifiable_audit_trail(world, db):
    case = world.start()
    ready_to_sign(world, case.id)
    goto(world, START + timedelta(days=3))
    world.plans.log_hours(world.job, case.id, worked_on=START, hours=6, activity="werkvloer")
    with db.read() as s:
        triggers = s.scalars(select(AuditEntry.trigger).where(AuditEntry.case_id == case.id)
                             .order_by(AuditEntry.seq)).all()
        _, problems = verify_all(s, world.services.registry)
    assert triggers == ["start", "update_plan", "set_goal", "begin_inwerken", "log_hours"]
    assert problems == []
