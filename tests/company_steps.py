"""Tests speak the trajectory's language: `company.hire_candidate(coach, case, ...)` performs the
action of that name through `Services.perform`, the one write path the web and the API use.

Only a test helper (production code calls `Services.perform` itself); the registration use
cases are `CompanyServices`' own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.services import CaseSnapshot
from engine.spec import Actor
from workflows.usecases.company_services import CompanyServices


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


class CompanySteps(CompanyServices):
    def fire(
        self,
        actor: Actor,
        case_id: int,
        trigger: str,
        payload: dict[str, Any] | None = None,
        **kw: Any,
    ) -> CaseSnapshot:
        """Perform the action named `trigger` (a system trigger is fired as the system)."""
        return self.services.fire_trigger(actor, case_id, trigger, payload, **kw)

    def propose_candidate(self, actor: Actor, case_id: int, candidate_id: int, **kw: Any) -> CaseSnapshot:
        return self.fire(actor, case_id, "propose_candidate", {"candidate_id": candidate_id}, **kw)

    def name_harrie(self, actor: Actor, case_id: int, harrie_user_id: int, **kw: Any) -> CaseSnapshot:
        return self.fire(actor, case_id, "name_harrie", {"harrie_user_id": harrie_user_id}, **kw)

    def hire_candidate(
        self, actor: Actor, case_id: int, candidate_id: int, *, start_date: date | str, contract_hours: float,
        fulltime: bool, **kw: Any,
    ) -> CaseSnapshot:
        payload = {"candidate_id": candidate_id, "start_date": _iso(start_date), "contract_hours": contract_hours,
                   "fulltime": fulltime}
        return self.fire(actor, case_id, "hire_candidate", payload, **kw)

