"""A company trajectory from adviesgesprek to hired candidates, on SQLite and PostgreSQL.

The candidate plan here is a two-state stand-in (`tests.stand_in_plan`) registered only in
this test's own registry: started by a hire, it reports `plan_finished` to its parent when
it ends, exactly as the contract between the two workflows says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import inbox
from engine.audit import verify_all
from engine.errors import CaseNotFound, GuardRejected, InvalidPayload, NotFound, NotPermitted
from engine.registry import Registry
from engine.services import Services
from engine.spec import SYSTEM_ACTOR
from engine.store.models import Case, Organisation, Task, Timer
from tests.company_payloads import ANALYSIS, CLOSING, MEETING, PROFILE, VACANCY
from tests.company_steps import CompanySteps as CompanyServices
from tests.helpers import make_org, make_user, snapshot
from tests.stand_in_plan import STAND_IN_PLAN
from workflows.domain import invra
from workflows.domain.company_trajectory import WORKFLOW
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER, WSP
from workflows.storage.models import Candidate, Company
from workflows.usecases.access import JobAccessPolicy


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(WORKFLOW)
    reg.register(STAND_IN_PLAN)
    return reg


class World:
    """JoB, two WSP regions, a bakery with its people, and three registered candidates."""

    def __init__(self, db, registry, clock) -> None:
        self.db, self.clock = db, clock
        self.services = Services(db=db, registry=registry, clock=clock, policy=JobAccessPolicy(db))
        self.company = CompanyServices(self.services)
        job_org = make_org(db, "JoB Jobcoaching", "job")
        wsp_org = make_org(db, "WSP Rijk van Nijmegen", "wsp")
        other_wsp_org = make_org(db, "WSP Midden-Gelderland", "wsp")
        self.job = make_user(db, job_org, JOB, "sanne@job.example", "Sanne de Vries")
        self.wsp = make_user(db, wsp_org, WSP, "lisa@wsp.example", "Lisa Bakker")
        self.other_wsp = make_user(db, other_wsp_org, WSP, "tom@wsp.example", "Tom Hendriks")
        self.bakery = self.company.register_company(
            self.wsp, name="Bakkerij De Korenaar", wsp_organisation_id=wsp_org, kvk_number="12345678",
            employees=48, contact_name="Marieke Jansen", contact_email="marieke@korenaar.example")
        self.garage = self.company.register_company(
            self.job, name="Garage Van Dijk", wsp_organisation_id=other_wsp_org, kvk_number="87654321")
        self.boss = make_user(db, self.bakery, OPDRACHTGEVER, "marieke@korenaar.example", "Marieke Jansen")
        self.harrie = make_user(db, self.bakery, HARRIE, "harrie@korenaar.example", "Harrie Willems")
        self.other_harrie = make_user(db, self.garage, HARRIE, "henk@garage.example", "Henk van Dijk")
        self.daan, self.noor, self.kevin = (
            self.company.register_candidate(self.job, first_name=first, last_name=last, target_group=group,
                                            in_doelgroepregister=True, register_checked_on="2026-11-02")
            for first, last, group in (("Daan", "Verhoeven", "wajong"), ("Noor", "Bosman", "wsw"),
                                       ("Kevin", "Smits", "wajong"))
        )

    def start(self) -> int:
        return self.company.start_trajectory(self.job, self.bakery).id

    def fire(self, actor, case_id, trigger, payload=None, **kw):
        return self.company.fire(actor, case_id, trigger, payload, **kw)

    def to_werving(self) -> int:
        case_id = self.start()
        self.fire(self.wsp, case_id, "record_advisory_meeting", MEETING)
        self.fire(self.wsp, case_id, "start_company_analysis")
        self.fire(self.wsp, case_id, "record_company_analysis", ANALYSIS)
        self.fire(self.wsp, case_id, "finish_company_analysis")
        self.fire(self.wsp, case_id, "record_closing_meeting", CLOSING)
        self.fire(self.job, case_id, "record_vacancy", VACANCY)
        self.fire(self.job, case_id, "record_workplace_profile", PROFILE)
        self.fire(self.job, case_id, "open_recruitment")
        return case_id

    def to_sollicitatie(self, *candidate_ids: int) -> int:
        case_id = self.to_werving()
        for cid in candidate_ids or (self.daan, self.noor):
            self.company.propose_candidate(self.job, case_id, cid)
        self.fire(self.job, case_id, "start_interviews")
        return case_id

    def interview_and_hire(self, case_id: int, candidate_id: int, hours: float = 24) -> None:
        self.fire(self.boss, case_id, "record_interview",
                  {"candidate_id": candidate_id, "date": "2026-11-23", "harrie_present": True})
        self.company.hire_candidate(self.boss, case_id, candidate_id, start_date="2026-12-01",
                                    contract_hours=hours, fulltime=False)

    def children(self, case_id: int) -> list[Case]:
        with self.db.read() as s:
            return list(s.scalars(select(Case).where(Case.parent_id == case_id).order_by(Case.id)))

    def open_tasks(self, case_id: int) -> list[Task]:
        return [t for t in self.tasks(case_id) if t.status == "open"]

    def tasks(self, case_id: int) -> list[Task]:
        with self.db.read() as s:
            return list(s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id)))


@pytest.fixture
def world(db, registry, clock) -> World:
    return World(db, registry, clock)


def everything(db) -> dict[str, list]:
    """The engine's tables plus the domain rows a refused action must not touch either."""
    out = snapshot(db)
    with db.read() as s:
        for model in (Candidate, Company, Organisation):
            out[model.__tablename__] = sorted(tuple(map(str, r)) for r in s.execute(select(model.__table__)).all())
    return out


def refused(world: World, error, actor, case_id, trigger, payload=None, match: str | None = None, **kw):
    before = everything(world.db)
    with pytest.raises(error, match=match) as info:
        world.fire(actor, case_id, trigger, payload, **kw)
    assert everything(world.db) == before
    return info.value


def test_a_company_walks_from_adviesgesprek_to_two_hires_and_a_closed_trajectory(world, registry):
    w = world
    case_id = w.start()
    assert w.services.get_case(w.job, case_id).state == "adviesgesprek"
    w.fire(w.wsp, case_id, "record_advisory_meeting", {"date": MEETING["date"]})
    w.fire(w.wsp, case_id, "record_advisory_meeting", {k: v for k, v in MEETING.items() if k != "date"})
    assert w.fire(w.wsp, case_id, "start_company_analysis").state == "bedrijfsanalyse"
    w.fire(w.wsp, case_id, "record_company_analysis", ANALYSIS)
    assert w.fire(w.wsp, case_id, "finish_company_analysis").state == "eindgesprek"
    w.fire(w.wsp, case_id, "record_closing_meeting", CLOSING)
    w.fire(w.job, case_id, "record_vacancy", VACANCY)
    w.fire(w.job, case_id, "record_workplace_profile", {"levels": {c: 1 for c in invra.CODES[:20]}})
    w.fire(w.job, case_id, "record_workplace_profile", {"levels": {c: 3 for c in invra.CODES[20:]}})
    assert w.fire(w.job, case_id, "open_recruitment").state == "werving"
    for cid in (w.daan, w.noor, w.kevin):
        w.company.propose_candidate(w.wsp, case_id, cid)
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    assert w.fire(w.job, case_id, "start_interviews").state == "sollicitatie"

    w.interview_and_hire(case_id, w.daan, hours=24)
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.kevin, "date": "2026-11-23"})
    w.fire(w.boss, case_id, "reject_candidate", {"candidate_id": w.kevin, "reason": "past_niet_bij_taken"})
    w.interview_and_hire(case_id, w.noor, hours=36)
    case = w.fire(w.job, case_id, "start_trajectplan")
    assert case.state == "trajectplan"

    plans = w.children(case_id)
    assert [(p.workflow, p.state, p.organisation_id) for p in plans] == [
        ("candidate_plan", "loopt", w.bakery), ("candidate_plan", "loopt", w.bakery)]
    first = plans[0].data
    assert first["candidate_id"] == w.daan and first["start_date"] == "2026-12-01"
    assert first["contract_hours"] == 24.0 and first["fulltime"] is False
    assert first["harrie_user_id"] == w.harrie.user_id
    assert first["vacancy"]["title"] == "Medewerker expeditie"
    assert invra.is_complete_profile(first["vacancy"]["workplace_profile"])
    with w.db.read() as s:
        assert s.get(Candidate, w.noor).contract_hours == 36.0

    w.services.fire_trigger(w.job, plans[0].id, "finish", {"outcome": "afgerond"})
    assert w.services.get_case(w.job, case_id).state == "trajectplan"
    w.services.fire_trigger(w.job, plans[1].id, "finish", {"outcome": "gestopt"})
    done = w.services.get_case(w.job, case_id)
    assert done.state == "afgerond" and done.closed_at is not None
    assert [(c["candidate_id"], c["status"], c.get("plan"), c.get("plan_outcome")) for c in done.data["candidates"]] == [
        (w.daan, "aangenomen", "afgerond", "afgerond"),
        (w.noor, "aangenomen", "afgerond", "gestopt"),
        (w.kevin, "niet_aangenomen", None, None),
    ]
    assert {t.status for t in w.tasks(case_id)} == {"done"}
    trail = w.services.audit_trail(w.job, case_id)
    assert [e.to_state for e in trail if e.from_state != e.to_state] == [
        "adviesgesprek", "bedrijfsanalyse", "eindgesprek", "werving", "sollicitatie", "trajectplan", "afgerond"]
    assert trail[-1].actor_role == "system" and trail[-1].trigger == "plan_finished"
    with w.db.read() as s:
        checked, problems = verify_all(s, registry)
    assert checked == 3 and problems == []


def test_deciding_on_the_analysis_needs_a_held_adviesgesprek(world):
    w = world
    case_id = w.start()
    refused(w, GuardRejected, w.wsp, case_id, "start_company_analysis",
            match="Leg eerst de datum van het adviesgesprek vast")
    w.fire(w.wsp, case_id, "record_advisory_meeting", {**MEETING, "date": "2026-11-30"})
    refused(w, GuardRejected, w.wsp, case_id, "start_company_analysis",
            match="Het adviesgesprek heeft nog niet plaatsgevonden")
    refused(w, GuardRejected, w.wsp, case_id, "decline_company_analysis", {"reason": "geen_draagvlak"},
            match="Het adviesgesprek heeft nog niet plaatsgevonden")
    w.fire(w.wsp, case_id, "record_advisory_meeting", {"date": "2026-11-23"})  # held this morning
    assert w.fire(w.wsp, case_id, "start_company_analysis").state == "bedrijfsanalyse"


def test_bedrijfsanalyse_is_done_when_departments_and_suitable_tasks_are_noted(world):
    w = world
    case_id = w.start()
    w.fire(w.wsp, case_id, "record_advisory_meeting", MEETING)
    w.fire(w.wsp, case_id, "start_company_analysis")
    refused(w, GuardRejected, w.wsp, case_id, "finish_company_analysis",
            match="Noteer eerst welke afdelingen en werkprocessen zijn geanalyseerd")
    w.fire(w.wsp, case_id, "record_company_analysis", {"departments": ANALYSIS["departments"]})
    refused(w, GuardRejected, w.wsp, case_id, "finish_company_analysis",
            match="Noteer eerst ten minste één taak")
    w.fire(w.wsp, case_id, "record_company_analysis", {"tasks": ANALYSIS["tasks"]})
    case = w.fire(w.wsp, case_id, "finish_company_analysis")
    assert case.state == "eindgesprek"
    assert [t["nr"] for t in case.data["analysis"]["tasks"]] == [1, 2, 3]


def test_eindgesprek_needs_chosen_tasks_a_vacancy_and_a_complete_werkplekprofiel(world):
    w = world
    case_id = w.start()
    w.fire(w.wsp, case_id, "record_advisory_meeting", MEETING)
    w.fire(w.wsp, case_id, "start_company_analysis")
    w.fire(w.wsp, case_id, "record_company_analysis", ANALYSIS)
    w.fire(w.wsp, case_id, "finish_company_analysis")
    refused(w, GuardRejected, w.wsp, case_id, "open_recruitment",
            match="Kies eerst ten minste één taak voor de vacature")
    refused(w, InvalidPayload, w.wsp, case_id, "record_closing_meeting", {"date": "2026-11-23", "chosen_tasks": [7]})
    w.fire(w.wsp, case_id, "record_closing_meeting", CLOSING)
    refused(w, GuardRejected, w.wsp, case_id, "open_recruitment", match="Leg eerst de vacature vast")
    err = refused(w, InvalidPayload, w.job, case_id, "record_vacancy", {"title": "Medewerker"})
    assert set(err.errors) == {"hours_per_week", "location", "tasks"}
    w.fire(w.job, case_id, "record_vacancy", VACANCY)
    refused(w, GuardRejected, w.wsp, case_id, "open_recruitment", match="nog 38 van de 38 competenties")
    w.fire(w.job, case_id, "record_workplace_profile", {"levels": {c: 2 for c in invra.CODES[:30]}})
    refused(w, GuardRejected, w.wsp, case_id, "open_recruitment", match="nog 8 van de 38 competenties")
    refused(w, InvalidPayload, w.job, case_id, "record_workplace_profile", {"levels": {"39": 2, "01": 4}})
    w.fire(w.job, case_id, "record_workplace_profile", {"levels": {c: 2 for c in invra.CODES[30:]}})
    assert w.fire(w.wsp, case_id, "open_recruitment").state == "werving"


def test_sollicitatie_starts_only_with_a_proposed_candidate_who_must_exist_and_appear_once(world):
    w = world
    case_id = w.to_werving()
    refused(w, GuardRejected, w.job, case_id, "start_interviews", match="Stel eerst ten minste één kandidaat voor")
    err = refused(w, InvalidPayload, w.job, case_id, "propose_candidate", {"candidate_id": 999_999})
    assert err.errors == {"candidate_id": "Deze kandidaat bestaat niet."}
    refused(w, InvalidPayload, w.job, case_id, "propose_candidate", {"candidate_id": "1"})
    w.company.propose_candidate(w.job, case_id, w.daan)
    err = refused(w, InvalidPayload, w.job, case_id, "propose_candidate", {"candidate_id": w.daan})
    assert err.errors == {"candidate_id": "Deze kandidaat is al voorgesteld in dit traject."}
    assert w.fire(w.job, case_id, "start_interviews").state == "sollicitatie"
    names = [(c.name, c.status_label) for c in w.company.case_candidates(w.boss, case_id)]
    assert names == [("Daan Verhoeven", "Voorgesteld")]


def test_sollicitatie_requires_a_harrie_of_the_employer_before_hiring(world):
    w = world
    case_id = w.to_sollicitatie(w.daan)
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.daan, "date": "2026-11-23"})
    hire = {"candidate_id": w.daan, "start_date": "2026-12-01", "contract_hours": 24, "fulltime": False}
    refused(w, GuardRejected, w.boss, case_id, "hire_candidate", hire, match="Wijs eerst een Harrie")
    for not_a_harrie in (w.other_harrie.user_id, w.boss.user_id, 999_999):
        refused(w, InvalidPayload, w.boss, case_id, "name_harrie", {"harrie_user_id": not_a_harrie})
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    refused(w, GuardRejected, w.boss, case_id, "hire_candidate", hire, match="Harrie was niet bij het sollicitatiegesprek")
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.daan, "date": "2026-11-24", "harrie_present": True})
    w.fire(w.boss, case_id, "hire_candidate", hire)
    assert len(w.children(case_id)) == 1
    err = refused(w, InvalidPayload, w.boss, case_id, "hire_candidate", hire)
    assert "al vastgelegd (aangenomen)" in err.errors["candidate_id"]
    assert len(w.children(case_id)) == 1


def test_hiring_needs_an_interview_with_that_candidate(world):
    w = world
    case_id = w.to_sollicitatie(w.daan, w.noor)
    w.company.name_harrie(w.job, case_id, w.harrie.user_id)
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.daan, "date": "2026-11-23"})
    hire = {"candidate_id": w.noor, "start_date": "2026-12-01", "contract_hours": 24, "fulltime": False}
    refused(w, GuardRejected, w.boss, case_id, "hire_candidate", hire,
            match="Leg eerst het sollicitatiegesprek met de kandidaat vast")
    refused(w, InvalidPayload, w.boss, case_id, "hire_candidate", {**hire, "candidate_id": w.kevin})


def test_trajectplan_needs_a_hire_and_an_outcome_for_every_candidate(world):
    w = world
    case_id = w.to_sollicitatie(w.daan, w.noor)
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    refused(w, GuardRejected, w.job, case_id, "start_trajectplan", match="Er is nog niemand aangenomen")
    w.interview_and_hire(case_id, w.daan)
    refused(w, GuardRejected, w.job, case_id, "start_trajectplan", match="nog 1 zonder uitkomst")
    refused(w, NotPermitted, w.boss, case_id, "start_trajectplan")
    w.fire(w.boss, case_id, "reject_candidate", {"candidate_id": w.noor, "reason": "kandidaat_ziet_af"})
    assert w.fire(w.job, case_id, "start_trajectplan").state == "trajectplan"


def test_no_fit_goes_back_to_werving_and_a_plan_ending_meanwhile_is_recorded(world):
    w = world
    case_id = w.to_sollicitatie(w.daan, w.noor)
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    w.interview_and_hire(case_id, w.daan)
    w.fire(w.boss, case_id, "reject_candidate", {"candidate_id": w.noor, "reason": "past_niet_bij_taken"})
    assert w.fire(w.job, case_id, "back_to_recruitment").state == "werving"
    refused(w, GuardRejected, w.job, case_id, "stop", {"reason": "geen_kandidaat"}, match="Er lopen nog trajectplannen")
    w.services.fire_trigger(w.job, w.children(case_id)[0].id, "finish", {"outcome": "uitgevallen"})
    case = w.services.get_case(w.job, case_id)
    assert case.state == "werving" and case.data["candidates"][0]["plan"] == "afgerond"
    w.company.propose_candidate(w.job, case_id, w.kevin)
    w.fire(w.job, case_id, "start_interviews")
    w.interview_and_hire(case_id, w.kevin)
    assert w.fire(w.job, case_id, "start_trajectplan").state == "trajectplan"
    w.services.fire_trigger(w.job, w.children(case_id)[1].id, "finish", {"outcome": "afgerond"})
    assert w.services.get_case(w.job, case_id).state == "afgerond"


def test_trajectplan_without_running_plans_is_closed_by_the_system(world, registry):
    w = world
    case_id = w.to_sollicitatie(w.daan)
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    w.interview_and_hire(case_id, w.daan)
    w.services.fire_trigger(w.job, w.children(case_id)[0].id, "finish", {"outcome": "uitgevallen"})
    w.fire(w.job, case_id, "start_trajectplan")
    with w.db.read() as s:
        timer = s.scalars(select(Timer).where(Timer.case_id == case_id)).one()
    assert (timer.trigger, timer.status) == ("close_trajectory", "pending")
    assert timer.due_at.astimezone(UTC) == w.clock.now()
    assert w.services.fire_trigger(SYSTEM_ACTOR, case_id, timer.trigger).state == "afgerond"
    with w.db.read() as s:
        assert s.scalars(select(Timer.status).where(Timer.case_id == case_id)).one() == "cancelled"


def test_stopping_needs_a_reason_from_the_list_and_reopening_returns_to_that_phase(world, registry):
    w = world
    case_id = w.start()
    w.fire(w.wsp, case_id, "record_advisory_meeting", MEETING)
    w.fire(w.wsp, case_id, "start_company_analysis")
    refused(w, InvalidPayload, w.wsp, case_id, "stop")
    refused(w, InvalidPayload, w.wsp, case_id, "stop", {"reason": "zomaar"})
    err = refused(w, InvalidPayload, w.wsp, case_id, "stop", {"reason": "anders"})
    assert set(err.errors) == {"explanation"}
    refused(w, NotPermitted, w.boss, case_id, "stop", {"reason": "geen_draagvlak"})
    stopped = w.fire(w.wsp, case_id, "stop", {"reason": "anders", "explanation": "Reorganisatie"})
    assert stopped.state == "gestopt" and stopped.closed_at is not None
    assert stopped.data["stopped"]["phase"] == "bedrijfsanalyse"
    assert {(t.key, t.status) for t in w.tasks(case_id) if t.state == "bedrijfsanalyse"} == {
        ("do_analysis", "cancelled"), ("support_analysis", "cancelled"), ("explain_processes", "cancelled")}
    refused(w, NotPermitted, w.wsp, case_id, "reopen", reason="Bedrijf wil toch door")
    refused(w, InvalidPayload, w.job, case_id, "reopen")
    reopened = w.fire(w.job, case_id, "reopen", reason="Bedrijf wil toch door")
    assert reopened.state == "bedrijfsanalyse" and reopened.closed_at is None
    assert [t.status for t in w.tasks(case_id) if t.key == "do_analysis"] == ["cancelled", "open"]
    trail = w.services.audit_trail(w.job, case_id)
    assert (trail[-1].trigger, trail[-1].actor_user_id, trail[-1].reason) == (
        "reopen", w.job.user_id, "Bedrijf wil toch door")
    assert trail[-2].payload == {"reason": "anders", "explanation": "Reorganisatie"}
    with w.db.read() as s:
        assert verify_all(s, registry)[1] == []


def test_no_bedrijfsanalyse_ends_the_trajectory_with_that_reason(world):
    w = world
    case_id = w.start()
    w.fire(w.wsp, case_id, "record_advisory_meeting", {"date": "2026-11-20", "support": "geen"})
    case = w.fire(w.wsp, case_id, "decline_company_analysis", {"reason": "geen_draagvlak"})
    assert case.state == "gestopt"
    assert case.data["stopped"] == {"phase": "adviesgesprek", "reason": "geen_draagvlak", "explanation": None,
                                         "on": "2026-11-23", "by_role": "wsp"}
    assert w.fire(w.job, case_id, "reopen", reason="Nieuwe directie").state == "adviesgesprek"


def test_each_phase_opens_tasks_for_the_roles_that_do_the_work(world):
    w = world
    case_id = w.start()
    tasks = {t.key: t for t in w.tasks(case_id)}
    assert {k: t.role for k, t in tasks.items()} == {
        "plan_adviesgesprek": WSP, "prepare_adviesgesprek": JOB, "name_contacts": OPDRACHTGEVER}
    # ten working days from Monday 23 November 2026 is Monday 7 December
    assert tasks["plan_adviesgesprek"].due_at.astimezone(UTC) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    w.fire(w.wsp, case_id, "record_advisory_meeting", MEETING)
    w.clock.advance(timedelta(days=1))
    w.fire(w.wsp, case_id, "start_company_analysis")
    by_state = {(t.state, t.status) for t in w.tasks(case_id)}
    assert ("adviesgesprek", "done") in by_state and ("adviesgesprek", "open") not in by_state
    assert {t.role for t in w.tasks(case_id) if t.status == "open"} == {WSP, JOB, OPDRACHTGEVER}
    with w.services.db.read() as s:
        wsp_queue = [i.title for i in inbox.queue(s, w.services.policy, w.wsp)]
    assert wsp_queue == ["Bedrijfsanalyse uitvoeren: werkprocessen en geschikte taken"]


def test_the_harrie_task_only_opens_when_no_harrie_is_named_yet(world):
    w = world
    case_id = w.to_werving()
    w.company.propose_candidate(w.job, case_id, w.daan)
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    w.fire(w.job, case_id, "start_interviews")
    keys = {t.key for t in w.tasks(case_id) if t.status == "open"}
    assert keys == {"plan_interviews", "decide_candidates", "harrie_interviews"}  # Harrie: join the interviews


def test_the_employers_harrie_task_is_done_as_soon_as_a_harrie_is_named(world):
    w = world
    case_id = w.to_sollicitatie(w.daan)
    harrie_task = [t for t in w.tasks(case_id) if t.key == "name_harrie"]
    assert [(t.role, t.status) for t in harrie_task] == [(OPDRACHTGEVER, "open")]
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    harrie_task = [t for t in w.tasks(case_id) if t.key == "name_harrie"]
    assert [(t.status, t.completed_by_id) for t in harrie_task] == [("done", w.boss.user_id)]
    assert "name_harrie" not in {t.key for t in w.tasks(case_id) if t.status == "open"}


def test_who_sees_a_trajectory_follows_the_wsp_region_and_the_employer(world):
    w = world
    case_id = w.start()
    assert w.services.get_case(w.wsp, case_id).id == case_id
    assert w.services.get_case(w.boss, case_id).id == case_id
    before = everything(w.db)
    with pytest.raises(CaseNotFound):
        w.services.get_case(w.other_wsp, case_id)
    with pytest.raises(CaseNotFound):
        w.fire(w.other_wsp, case_id, "record_advisory_meeting", MEETING)
    with pytest.raises(CaseNotFound):
        w.company.case_candidates(w.other_harrie, case_id)
    with pytest.raises(NotPermitted):
        w.company.start_trajectory(w.other_wsp, w.bakery)
    assert everything(w.db) == before


def test_an_employer_has_one_open_trajectory_at_a_time(world):
    w = world
    first = w.start()
    before = everything(w.db)
    with pytest.raises(InvalidPayload):
        w.company.start_trajectory(w.wsp, w.bakery)
    assert everything(w.db) == before
    w.fire(w.job, first, "stop", {"reason": "bedrijf_trekt_zich_terug"})
    assert w.company.start_trajectory(w.wsp, w.bakery).state == "adviesgesprek"


def test_registering_people_checks_what_is_entered(world):
    w = world
    before = everything(w.db)
    with pytest.raises(InvalidPayload) as info:
        w.company.register_candidate(w.wsp, first_name="", last_name="Bosman", in_doelgroepregister=True,
                                     email="geen-adres", date_of_birth="2030-01-01", contract_hours=60)
    assert set(info.value.errors) == {"first_name", "register_checked_on", "email", "date_of_birth",
                                      "contract_hours"}
    with pytest.raises(NotPermitted):
        w.company.register_candidate(w.boss, first_name="Noor", last_name="Bosman")
    with pytest.raises(InvalidPayload) as info:
        w.company.register_company(w.job, name="Kopie", wsp_organisation_id=w.wsp.organisation_id,
                                   kvk_number="12345678")
    assert set(info.value.errors) == {"kvk_number"}
    with pytest.raises(NotPermitted):
        w.company.register_company(w.other_wsp, name="Elders", wsp_organisation_id=w.wsp.organisation_id)
    assert everything(w.db) == before
    w.company.update_company_contacts(w.boss, w.bakery, contact_name="Marieke Jansen", hr_name="Joost Peters",
                                      hr_email="hr@korenaar.example")
    with w.db.read() as s:
        company = s.get(Company, w.bakery)
        assert (company.hr_name, company.contact_email, company.quota_applies) == ("Joost Peters", None, True)
    with pytest.raises(NotFound):
        w.company.update_company_contacts(w.boss, w.garage, contact_name="Henk")


def test_the_engines_own_fire_trigger_checks_the_people_a_payload_names(world):
    """UI, API and timers call Services.fire_trigger directly: the checks must hold there too."""
    w = world
    case_id = w.to_werving()
    before = snapshot(w.db)
    with pytest.raises(InvalidPayload) as info:
        w.services.fire_trigger(w.job, case_id, "propose_candidate", {"candidate_id": 999_999})
    assert info.value.errors == {"candidate_id": "Deze kandidaat bestaat niet."}
    assert snapshot(w.db) == before


def test_the_named_harrie_gets_a_task_to_join_the_interviews_that_closes_when_he_took_part(world):
    w = world
    case_id = w.to_sollicitatie(w.daan)
    assert not [t for t in w.open_tasks(case_id) if t.key == "harrie_interviews"]  # no Harrie named yet
    w.company.name_harrie(w.boss, case_id, w.harrie.user_id)
    task = next(t for t in w.open_tasks(case_id) if t.key == "harrie_interviews")
    assert (task.role, task.assignee_id) == ("harrie", w.harrie.user_id)
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.daan, "date": "2026-11-23"})
    assert [t for t in w.open_tasks(case_id) if t.key == "harrie_interviews"]  # he was not there
    w.fire(w.boss, case_id, "record_interview", {"candidate_id": w.daan, "date": "2026-11-24", "harrie_present": True})
    assert not [t for t in w.open_tasks(case_id) if t.key == "harrie_interviews"]
