"""The printed tables (`jobtraject workflows show NAME`) are kept under review: a change to a
workflow's actions, rules, timers or tasks shows up as a change to its snapshot in the diff.

To accept a deliberate change: `JOBTRAJECT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_workflow_printout.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.printout import render
from workflows.usecases.catalog import build_registry

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


@pytest.mark.parametrize("name", ["candidate_plan", "company_trajectory"])
def test_the_printed_table_matches_its_reviewed_snapshot(name):
    printed = render(build_registry().latest(name))
    snapshot = SNAPSHOTS / f"{name}.md"
    if os.environ.get("JOBTRAJECT_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(printed, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot yet: run with JOBTRAJECT_UPDATE_SNAPSHOTS=1 and review {snapshot}"
    assert printed == snapshot.read_text(encoding="utf-8")


def test_the_printout_names_every_action_with_its_roles_and_every_task_with_what_closes_it():
    registry = build_registry()
    for compiled in registry.all():
        printed = render(compiled)
        for action in compiled.actions.by_name.values():
            if action.roles:
                assert f"| `{action.name}` | {action.label} | {', '.join(action.roles)} |" in printed
        for task in compiled.spec.tasks:
            assert f"| `{task.task_key}` |" in printed
        for timer in compiled.spec.timers:
            assert f"| `{timer.name or timer.fire}` | {timer.in_state} |" in printed
