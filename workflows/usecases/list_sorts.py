"""The company and candidate lists' columns, sorts and (for candidates) filters.

Both lists are read whole (an organisation has hundreds of employers and candidates, not
millions) and candidates' names are sealed, so they sort here rather than in SQL. The
candidate filters are JoB's questions: which target group, in the doelgroepregister or not,
with a plan running or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.clock import ensure_utc
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case
from workflows.domain.candidate_plan import NAME as PLAN
from workflows.usecases.company_services import TARGET_GROUPS
from workflows.usecases.directory import CandidateRow, CompanyLine, Directory

COMPANY_SORTS = {"naam": "Bedrijf", "regio": "WSP-regio", "traject": "Bedrijfstraject"}
CANDIDATE_SORTS = {"naam": "Naam", "doelgroep": "Doelgroep", "register": "Doelgroepregister",
                   "plan": "Lopend plan", "uren": "Uren", "geregistreerd": "Geregistreerd"}
YES_NO = {"ja": True, "nee": False}


def sort_companies(lines: list[CompanyLine], sort: str, descending: bool,
                   state_label: Callable[[str], str]) -> list[CompanyLine]:
    """By name (the default), region, or the trajectory's phase (no trajectory last, then by name)."""
    def phase(c: CompanyLine) -> tuple[Any, ...]:
        t = c.open_trajectory or c.latest
        return (t is None, state_label(t.state).lower() if t else "", c.name.lower())

    key: Callable[[CompanyLine], Any] = {
        "regio": lambda c: (c.region.lower(), c.name.lower()),
        "traject": phase,
    }.get(sort, lambda c: (c.name.lower(), c.organisation_id))
    return sorted(lines, key=key, reverse=descending)


@dataclass(frozen=True)
class CandidateFilter:
    target_group: str | None = None
    in_register: bool | None = None
    running_plan: bool | None = None

    @property
    def active(self) -> bool:
        return self.target_group is not None or self.in_register is not None or self.running_plan is not None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[CandidateFilter, dict[str, str]]:
        """`?doelgroep=wajong&register=ja&plan=nee`; a value it does not know is a Dutch message
        for that field (and that filter is left out)."""
        errors: dict[str, str] = {}
        group = args.get("doelgroep") or None
        if group is not None and group not in TARGET_GROUPS:
            errors["doelgroep"] = "Kies een doelgroep uit de lijst."
            group = None
        values: dict[str, bool | None] = {}
        for key, label in (("register", "doelgroepregister"), ("plan", "lopend plan")):
            raw = args.get(key) or None
            if raw is not None and raw not in YES_NO:
                errors[key] = f"Kies ja of nee bij {label}."
            values[key] = YES_NO.get(raw) if raw else None
        return cls(group, values["register"], values["plan"]), errors


@dataclass(frozen=True)
class CandidateLine(CandidateRow):
    """A row of the candidate list, with whether the candidate has a running plan (a filter)."""

    running_plan: bool


def _candidate_key(sort: str) -> Callable[[CandidateLine], Any]:
    by_name: Callable[[CandidateLine], Any] = lambda c: (c.name.lower(), c.id)  # noqa: E731
    return {
        "doelgroep": lambda c: (c.target_group is None, TARGET_GROUPS.get(c.target_group or "", ""), by_name(c)),
        "register": lambda c: (c.in_doelgroepregister is None, not c.in_doelgroepregister, by_name(c)),
        "plan": lambda c: (not c.running_plan, by_name(c)),
        "uren": lambda c: (c.contract_hours is None, c.contract_hours or 0, by_name(c)),
        "geregistreerd": lambda c: (ensure_utc(c.created_at), c.id),
    }.get(sort, by_name)


class CandidateList:
    """The candidate register's list: Directory's rows, whether a plan runs, filtered and sorted."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def running_plans(self, actor: Actor) -> set[int]:
        """Candidates with a plan that is not closed, among the plans the actor may see."""
        stmt = select(Case.data["candidate_id"].as_integer()).where(
            Case.workflow == PLAN, Case.closed_at.is_(None), self.services.policy.case_filter(actor))
        with self.services.db.read() as s:
            return {int(i) for i in s.scalars(stmt) if i is not None}

    def rows(self, actor: Actor, f: CandidateFilter, sort: str = "naam", descending: bool = False) -> list[CandidateLine]:
        running = self.running_plans(actor)
        lines = [CandidateLine(**vars(c), running_plan=c.id in running)
                 for c in Directory(self.services).candidates(actor)]
        if f.target_group is not None:
            lines = [c for c in lines if c.target_group == f.target_group]
        if f.in_register is not None:
            lines = [c for c in lines if bool(c.in_doelgroepregister) == f.in_register]
        if f.running_plan is not None:
            lines = [c for c in lines if c.running_plan == f.running_plan]
        return sorted(lines, key=_candidate_key(sort), reverse=descending)
