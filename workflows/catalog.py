"""Every workflow jobtraject knows, registered once per process."""

from __future__ import annotations

from engine.registry import Registry
from engine.spec import Workflow
from engine.versioning import WorkflowMigration
from workflows.candidate_plan import WORKFLOW as CANDIDATE_PLAN
from workflows.company_trajectory import WORKFLOW as COMPANY_TRAJECTORY


def build_registry() -> Registry:
    """A fresh registry with every workflow definition validated and compiled."""
    registry = Registry()
    for wf in all_workflows():
        registry.register(wf)
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
    from workflows.company_services import check_references

    return {COMPANY_TRAJECTORY.name: check_references}


def domain_actions() -> dict[str, frozenset[str]]:
    """Per workflow, the triggers whose use case writes domain rows besides the transition.

    The plan's document, goals, observations, evaluations, signatures and hours live in
    their own tables and are written by `PlanServices` in the transition's transaction;
    an evaluation is skipped with a reason from a list. Firing these triggers on their own
    (the API's generic "fire a trigger") would record an action without its rows, so that
    path refuses them and points to the domain use case.
    """
    return {
        CANDIDATE_PLAN.name: frozenset({
            "update_plan", "set_goal", "record_observation", "log_hours", "record_evaluation",
            "skip_evaluation", "sign",
        }),
    }


def read_subjects() -> dict:
    """Per workflow, the candidate a case is about: reads of these cases are logged."""
    return {CANDIDATE_PLAN.name: lambda data: data.get("candidate_id")}
