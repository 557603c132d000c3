"""Every workflow jobtraject knows, registered once per process."""

from __future__ import annotations

from engine.registry import Registry
from engine.spec import Workflow
from engine.versioning import WorkflowMigration
from workflows.domain.candidate_plan import WORKFLOW as CANDIDATE_PLAN
from workflows.domain.company_trajectory import WORKFLOW as COMPANY_TRAJECTORY


def build_registry() -> Registry:
    """A fresh registry with every workflow definition validated and compiled."""
    from workflows.usecases.money_records import MONEY_RECORDERS
    from workflows.usecases.plan_records import RECORDERS  # use cases: they write the plan's tables

    registry = Registry()
    for wf in all_workflows():
        registry.register(wf)
    registry.bind_recorders(CANDIDATE_PLAN.name, {**RECORDERS, **MONEY_RECORDERS})
    registry.check_recorders(COMPANY_TRAJECTORY.name)
    for migration in all_migrations():
        registry.register_migration(migration)
    return registry


def all_workflows() -> list[Workflow]:
    return [COMPANY_TRAJECTORY, CANDIDATE_PLAN]


def all_migrations() -> list[WorkflowMigration]:
    """How running cases move to a newer version of their workflow (`jobtraject workflows migrate`).

    Empty while every workflow is at version 1; a new version comes with its migration here.
    """
    return []


def payload_checks() -> dict:
    """Per workflow, the checks of database rows that a payload names (see engine.services)."""
    from workflows.usecases.company_services import check_references

    return {COMPANY_TRAJECTORY.name: check_references}


def read_subjects() -> dict:
    """Per workflow, the candidate a case is about: reads of these cases are logged."""
    return {CANDIDATE_PLAN.name: lambda data: data.get("candidate_id")}
