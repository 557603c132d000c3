"""The inbox and dashboard read models and the task use cases on SQLite and PostgreSQL.

The SQL they use (JSON fields joined to candidates, case-insensitive search with escaped
wildcards, conditional sums, CASE buckets over ISO dates) must give the same answers on both.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidPayload, NotFound, NotPermitted
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation, Task, TaskEvent, User
from engine.task_services import TaskServices
from tests.helpers import snapshot
from workflows.demo import load_demo
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry, payload_checks
from workflows.usecases.dashboard import Dashboard, month_boundaries, plan_month
from workflows.usecases.task_inbox import TaskFilter, TaskInbox


@pytest.fixture
def demo(db, clock) -> Services:
    svc = Services(db=db, registry=build_registry(), clock=clock, policy=JobAccessPolicy(db),
                   payload_checks=payload_checks())
    load_demo(svc)
    return svc


def person(svc: Services, email: str) -> Actor:
    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
        return Actor(u.id, u.role, u.organisation_id, u.name)


def open_task(svc: Services, company: str, key: str) -> int:
    with svc.db.read() as s:
        return s.scalar(select(Task.id).join(Case).join(Organisation, Organisation.id == Case.organisation_id)
                        .where(Organisation.name == company, Task.key == key, Task.status == "open")
                        .order_by(Task.id).limit(1))


def test_lists_and_dashboard_give_the_same_answers_on_both_databases(demo):
    sanne, lisa = person(demo, "sanne@job.example"), person(demo, "lisa@wsp-nijmegen.example")
    reader = TaskInbox(demo)
    queue = reader.queue(sanne)
    assert sorted(line.case_name for line in queue) == [
        "Daan Verhoeven (Bakkerij De Korenaar)", "Drukkerij Het Gulden Boek", "Hoveniersbedrijf Groen & Zo",
        "Noor Bosman (Bakkerij De Korenaar)", "Tuincentrum De Bongerd", "Zorgcentrum De Linde"]
    assert [line.case_name for line in reader.queue(sanne, TaskFilter(text="VERHOEVEN"))] == [
        "Daan Verhoeven (Bakkerij De Korenaar)"]
    assert reader.queue(sanne, TaskFilter(text="100%")) == []
    assert reader.queue(sanne, TaskFilter(text="_")) == []
    assert {line.phase_label for line in reader.queue(sanne, TaskFilter(phase="candidate_plan:voorbereiding"))} == {
        "Voorbereiding"}
    assert len(reader.queue(sanne, TaskFilter(overdue_only=True))) == 3
    assert {line.company for line in reader.queue(lisa)} <= {
        "Bakkerij De Korenaar", "Hoveniersbedrijf Groen & Zo", "Zorgcentrum De Linde"}
    options = reader.filter_options(lisa)
    assert [o.label for o in options.companies] == [
        "Bakkerij De Korenaar", "Hoveniersbedrijf Groen & Zo", "Zorgcentrum De Linde"]
    assert [o.label for o in options.candidates] == ["Daan Verhoeven", "Noor Bosman"]
    counts = reader.counts(sanne)
    assert (counts.mine, counts.late, counts.queue) == (1, 1, 6)
    mine = reader.mine(sanne)
    assert [len(mine.groups[g]) for g in ("Te laat", "Vandaag", "Deze week", "Later")] == [1, 0, 0, 0]

    # the dashboard's aggregate queries
    d = Dashboard(demo).build(person(demo, "sanne@job.example"))
    assert {p.state: p.count for p in d.trajectories} == {
        "adviesgesprek": 1, "bedrijfsanalyse": 1, "eindgesprek": 1, "werving": 1, "sollicitatie": 0, "trajectplan": 1}
    assert [m.count for m in d.plans_by_month] == [0, 2] + [0] * 11
    assert d.late_milestones == []
    assert sorted((h.candidate, str(h.used), str(h.cap), h.status) for h in d.hours) == [
        ("Daan Verhoeven", "0.00", "124.80", "ok"), ("Noor Bosman", "0.00", "166.40", "ok")]
    assert [(p.company, p.hired, p.working, p.quota_applies) for p in d.placements] == [
        ("Bakkerij De Korenaar", 2, 2, True)]
    with pytest.raises(NotPermitted):
        Dashboard(demo).build(person(demo, "lisa@wsp-nijmegen.example"))


def test_task_use_cases_write_task_events_and_refusals_change_nothing(demo):
    sanne, ahmed = person(demo, "sanne@job.example"), person(demo, "ahmed@job.example")
    tasks = TaskServices(demo)
    lisa = person(demo, "lisa@wsp-nijmegen.example")
    ours = open_task(demo, "Tuincentrum De Bongerd", "recruit")
    wsp_task = open_task(demo, "Tuincentrum De Bongerd", "suggest_candidates")
    before = snapshot(demo.db)
    with pytest.raises(NotFound):
        tasks.take(lisa, wsp_task)  # another region's task
    with pytest.raises(NotPermitted):
        tasks.hand_over(ahmed, [ours], ahmed.user_id, "Verlof")
    with pytest.raises(NotPermitted):
        tasks.hand_over(sanne, [ours, wsp_task], ahmed.user_id, "Verlof")
    with pytest.raises(InvalidPayload) as refused:
        tasks.hand_over(sanne, [ours], lisa.user_id, "")
    assert set(refused.value.errors) == {"reason"}
    with pytest.raises(InvalidPayload):
        tasks.hand_over(sanne, [ours], lisa.user_id, "Verlof")
    with pytest.raises(NotFound):
        tasks.hand_over(sanne, [ours, 10**9], ahmed.user_id, "Verlof")
    with pytest.raises(InvalidPayload):
        tasks.set_follow_up(sanne, open_task(demo, "Bakkerij De Korenaar", "support_hr"), date(2026, 11, 23))
    assert snapshot(demo.db) == before
    assert snapshot(demo.db) == before  # task_event included: no refusal wrote one

    recruit = ours
    stop = open_task(demo, "Drukkerij Het Gulden Boek", "inform_stop")
    with demo.db.read() as s:
        demo_events = s.scalar(select(func.max(TaskEvent.id))) or 0  # the demo's own people take tasks too
    tasks.take(sanne, recruit)
    tasks.set_follow_up(sanne, recruit, date(2026, 11, 30))
    tasks.assign(sanne, stop, ahmed.user_id, "Ahmed kent de drukkerij")
    assert TaskInbox(demo).mine(sanne).parked[0].task_id == recruit
    assert tasks.hand_over(sanne, [recruit, stop], ahmed.user_id, "Verlof") == 1  # stop was Ahmed's already
    with demo.db.read() as s:
        rows = s.execute(select(TaskEvent.task_id, TaskEvent.kind, TaskEvent.from_assignee_id,
                                TaskEvent.to_assignee_id, TaskEvent.reason).where(TaskEvent.id > demo_events)
                         .order_by(TaskEvent.id)).all()
        follow_up = s.scalar(select(Task.follow_up_on).where(Task.id == recruit))
    assert [tuple(r) for r in rows] == [
        (recruit, "take", None, sanne.user_id, None),
        (stop, "assign", None, ahmed.user_id, "Ahmed kent de drukkerij"),
        (recruit, "handover", sanne.user_id, ahmed.user_id, "Verlof"),
    ]
    assert follow_up is None  # Sanne's own follow-up day does not travel to Ahmed


@pytest.mark.parametrize(("start", "today", "month"), [
    (date(2026, 11, 24), date(2026, 11, 23), 0),
    (date(2026, 11, 23), date(2026, 11, 23), 1),
    (date(2026, 10, 24), date(2026, 11, 23), 1),
    (date(2026, 10, 23), date(2026, 11, 23), 2),
    (date(2026, 1, 31), date(2026, 2, 28), 2),  # 31 January + 1 month is 28 February
    (date(2026, 1, 31), date(2026, 2, 27), 1),
    (date(2026, 3, 31), date(2026, 4, 30), 2),
    (date(2025, 11, 23), date(2026, 11, 23), 12),  # the plan year is over: shown in month 12
    (date(2020, 1, 1), date(2026, 11, 23), 12),
])
def test_plan_month_counts_calendar_months_from_the_start_date(start, today, month):
    assert plan_month(start, today) == month
    assert month_boundaries(today) == sorted(month_boundaries(today), reverse=True)
