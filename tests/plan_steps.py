"""Tests speak the plan's language: `plans.add_goal(coach, plan, ...)` performs the declared
action `add_goal` through `Services.perform`, the one write path the web and the API use.

Only a test helper: it turns keyword arguments into an action's payload (leaving out what
was not given) and hands back what the action returns. Reads are `PlanServices`' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.services import CaseSnapshot
from engine.spec import Actor
from workflows.usecases.plan_services import PlanServices


def _payload(**values: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class HoursLogged:
    entry_id: int
    over_cap: bool
    warnings: list[str]


class PlanSteps(PlanServices):
    def _do(self, actor: Actor, case_id: int, action: str, payload: dict[str, Any] | None = None) -> Any:
        return self.services.perform(actor, case_id, action, payload or {})

    def update_document(self, actor: Actor, case_id: int, **fields: Any) -> None:
        self._do(actor, case_id, "update_plan", _payload(**fields))

    def add_goal(self, actor: Actor, case_id: int, **fields: Any) -> int:
        return self._do(actor, case_id, "add_goal", _payload(**fields)).result

    def update_goal(self, actor: Actor, case_id: int, goal_id: int, *, status: str) -> None:
        self._do(actor, case_id, "set_goal_status", {"goal_id": goal_id, "status": status})

    def record_observation(self, actor: Actor, case_id: int, **fields: Any) -> int:
        return self._do(actor, case_id, "record_observation", _payload(**fields)).result

    def record_evaluation(self, actor: Actor, case_id: int, *, goal_reviews: Any = (), **fields: Any) -> int:
        reviews = [dict(r) for r in goal_reviews] or None
        return self._do(actor, case_id, "record_evaluation", _payload(goal_reviews=reviews, **fields)).result

    def skip_evaluation(self, actor: Actor, case_id: int, *, milestone: str, reason: str) -> CaseSnapshot:
        return self._do(actor, case_id, "skip_evaluation", {"milestone": milestone, "reason": reason}).case

    def decide_contract(self, actor: Actor, case_id: int, *, contract: bool, reason: str | None = None
                        ) -> CaseSnapshot:
        if contract:
            return self._do(actor, case_id, "offer_contract").case
        return self._do(actor, case_id, "no_contract", _payload(reason=reason)).case

    def offer_for_signature(self, actor: Actor, case_id: int, document: str = "trajectplan") -> CaseSnapshot:
        return self._do(actor, case_id, "offer_for_signature", {"document": document}).case

    def sign(self, actor: Actor, case_id: int, *, party: str, round: int, signed_on: Any = None) -> int:
        return self._do(actor, case_id, "sign", _payload(party=party, round=round, signed_on=signed_on)).result

    def adjust_schedule(self, actor: Actor, case_id: int, **values: Any) -> CaseSnapshot:
        return self._do(actor, case_id, "adjust_schedule", values).case

    def pause(self, actor: Actor, case_id: int, *, reason: str) -> CaseSnapshot:
        return self._do(actor, case_id, "pause", {"reason": reason}).case

    def resume(self, actor: Actor, case_id: int) -> CaseSnapshot:
        return self._do(actor, case_id, "resume").case

    def stop(self, actor: Actor, case_id: int, *, reason: str) -> CaseSnapshot:
        return self._do(actor, case_id, "stop", {"reason": reason}).case

    def close(self, actor: Actor, case_id: int) -> CaseSnapshot:
        return self._do(actor, case_id, "close_plan").case

    def log_hours(self, actor: Actor, case_id: int, **fields: Any) -> HoursLogged:
        entry_id, flagged, warnings = self._do(actor, case_id, "log_hours", _payload(**fields)).result
        return HoursLogged(entry_id, flagged, list(warnings))
