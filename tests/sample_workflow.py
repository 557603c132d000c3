"""A small workflow that exercises every engine feature, independent of the domain."""

from __future__ import annotations

from datetime import timedelta

from engine.errors import InvalidPayload
from engine.spec import (
    SYSTEM,
    Ctx,
    State,
    TaskSpec,
    Timer,
    Transition,
    Workflow,
    WorkingDays,
    guard,
)

CLERK = "clerk"
BOSS = "boss"


@guard("Er is nog geen behandelaar aangewezen")
def has_handler(case, ctx: Ctx) -> bool:
    return bool(ctx.data.get("handler"))


@guard("Het bedrag moet groter zijn dan nul")
def amount_positive(case, ctx: Ctx) -> bool:
    return (ctx.data.get("amount") or 0) > 0


def clean_note(payload: dict) -> dict:
    unknown = set(payload) - {"handler", "amount", "note"}
    if unknown:
        raise InvalidPayload({k: "Onbekend veld" for k in sorted(unknown)})
    if "amount" in payload and not isinstance(payload["amount"], int | float):
        raise InvalidPayload({"amount": "Vul een getal in"})
    return payload


def record(ctx: Ctx) -> None:
    ctx.data.update(ctx.payload)


def remember_left(ctx: Ctx) -> None:
    ctx.data["left_from"] = ctx.case.state


def _left_from(state: str):
    @guard("Deze zaak kwam niet uit deze fase")
    def left_from(case, ctx: Ctx) -> bool:
        return ctx.data.get("left_from") == state

    return left_from


STATES = (
    State("intake", "Intake", initial=True),
    State("review", "Beoordeling"),
    State("approved", "Goedgekeurd"),
    State("done", "Afgerond", final=True),
    State("stopped", "Gestopt", final=True),
)

TRANSITIONS = (
    Transition("record", ("intake", "review"), None, by=(CLERK, BOSS), payload=clean_note, effect=record),
    Transition("submit", "intake", "review", guards=(has_handler,), by=(CLERK,)),
    Transition("approve", "review", "approved", guards=(amount_positive,), by=(BOSS,)),
    Transition("back", "review", "intake", by=(BOSS, CLERK)),
    Transition("expire", "review", "intake", by=(SYSTEM,)),
    Transition("close", "approved", "done", by=(SYSTEM, BOSS)),
    Transition("stop", ("intake", "review", "approved"), "stopped", by=(CLERK, BOSS),
               effect=remember_left, cancels_tasks=True, reason_required=True),
    Transition("reopen", "stopped", "intake", guards=(_left_from("intake"),), by=(BOSS,)),
    Transition("reopen", "stopped", "review", guards=(_left_from("review"),), by=(BOSS,)),
    Transition("reopen", "stopped", "approved", guards=(_left_from("approved"),), by=(BOSS,)),
)

TIMERS = (
    Timer(in_state="review", fire="expire", after=timedelta(days=10), name="review_expires"),
    Timer(in_state="approved", fire="close", after=timedelta(days=3), name="auto_close"),
)

TASKS = (
    TaskSpec(on_enter="intake", role=CLERK, title="Gegevens verzamelen", due=WorkingDays(5), key="collect"),
    TaskSpec(on_enter="review", role=BOSS, title="Beoordelen", due=timedelta(days=7),
             remind_before=(timedelta(days=2),), key="review"),
)

SAMPLE = Workflow(name="sample", version=1, label="Voorbeeld", states=STATES, transitions=TRANSITIONS,
                  timers=TIMERS, tasks=TASKS)
