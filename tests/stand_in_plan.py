"""A test-only stand-in for the candidate plan (issue 4), honouring the contract between them.

A hire in *sollicitatie* starts a `candidate_plan` child case; when the plan ends it fires
`plan_finished` with `{candidate_id, outcome}` on its parent. This stand-in has just that:
`loopt` until JoB fires `finish` with an outcome. Never registered in production.
"""

from __future__ import annotations

from engine.spec import Ctx, State, Transition, Workflow
from workflows.domain.roles import JOB


def _report_to_parent(ctx: Ctx) -> None:
    ctx.fire(ctx.case.parent_id, "plan_finished",
             {"candidate_id": ctx.data["candidate_id"], "outcome": ctx.payload["outcome"]})


STAND_IN_PLAN = Workflow(
    name="candidate_plan", version=1, label="Trajectplan (test)",
    states=(State("loopt", "Loopt", initial=True), State("afgerond", "Afgerond", final=True)),
    transitions=(Transition("finish", "loopt", "afgerond", by=(JOB,), effect=_report_to_parent),),
)
