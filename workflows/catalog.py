"""Every workflow jobtraject knows, registered once per process."""

from __future__ import annotations

from engine.registry import Registry
from workflows.candidate_plan import WORKFLOW as CANDIDATE_PLAN


def build_registry() -> Registry:
    """A fresh registry with every workflow definition validated and compiled."""
    registry = Registry()
    for wf in all_workflows():
        registry.register(wf)
    return registry


def all_workflows() -> list:
    found = []
    try:
        from workflows.company_trajectory import WORKFLOW as company
        found.append(company)
    except ImportError:  # pragma: no cover - during bootstrap only
        pass
    found.append(CANDIDATE_PLAN)
    return found
