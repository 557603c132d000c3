"""A small evaluation workflow for the timer, reminder and fault tests.

The evaluation timer and the task due dates can be set per case through the case data
(`evaluate_at`, `task_due`), so a test can make thousands of timers due at once or spread
them over days. `FAULTS` lets a test make the next evaluation raise (e.g. a StaleCase).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.spec import (
    SYSTEM,
    CaseView,
    Ctx,
    Mail,
    State,
    TaskSpec,
    Timer,
    Transition,
    Workflow,
    guard,
)
from workflows.domain.roles import HARRIE, JOB

FAULTS: list[BaseException] = []


@guard("De evaluatie is geblokkeerd")
def not_blocked(case, ctx: Ctx) -> bool:
    return not ctx.data.get("blocked")


def evaluate(ctx: Ctx) -> None:
    if FAULTS:
        raise FAULTS.pop(0)
    ctx.data["evaluations"] = int(ctx.data.get("evaluations", 0)) + 1
    if ctx.data.get("mail_coach") and ctx.data.get("coach_id"):
        ctx.mails.append(Mail(
            to_user_id=ctx.data["coach_id"], to_addr=None, subject="Evaluatie gestart",
            body_text=f"De evaluatie van zaak #{ctx.case.id} is gestart.",
            body_html=f"<p>De evaluatie van zaak #{ctx.case.id} is gestart.</p>",
            dedupe_key=f"evaluation-started:{ctx.case.id}:{ctx.data['evaluations']}",
        ))


def record(ctx: Ctx) -> None:
    ctx.data.update(ctx.payload)


def evaluation_due(case: CaseView, entered: datetime) -> datetime:
    when = case.data.get("evaluate_at")
    return datetime.fromisoformat(when) if when else entered + timedelta(days=28)


def task_due(case: CaseView, entered: datetime) -> datetime:
    when = case.data.get("task_due")
    return datetime.fromisoformat(when) if when else entered + timedelta(days=7)


STATES = (
    State("planned", "Evaluatie gepland", initial=True),
    State("evaluated", "Geëvalueerd"),
    State("closed", "Afgesloten", final=True),
)

TRANSITIONS = (
    Transition("evaluate", "planned", "evaluated", guards=(not_blocked,), by=(SYSTEM, JOB), effect=evaluate),
    Transition("note", "planned", None, by=(JOB,), effect=record),
    Transition("withdraw", "planned", "closed", by=(JOB,)),
    Transition("replan", "evaluated", "planned", by=(JOB,)),
    Transition("close", "evaluated", "closed", by=(JOB,)),
)

TIMERS = (Timer(in_state="planned", fire="evaluate", after=evaluation_due, name="evaluation_due"),)

TASKS = (
    TaskSpec(on_enter="planned", role=JOB, title="Evaluatie voorbereiden", due=task_due, key="prepare",
             remind_before=(timedelta(days=2), timedelta(hours=4)),
             assign_to=lambda case: case.data.get("coach_id")),
    TaskSpec(on_enter="planned", role=HARRIE, title="Werkplek bespreken", due=task_due, key="workplace",
             remind_before=(timedelta(days=1),), when=lambda case: bool(case.data.get("harrie_task"))),
)

EVALUATION = Workflow(name="evaluation", version=1, label="Evaluatie", states=STATES, transitions=TRANSITIONS,
                      timers=TIMERS, tasks=TASKS)
