"""Declared migrations from one version of a workflow to the next, for cases that run on the old one.

Each case keeps the `(workflow, workflow_version)` it was started on: deploying version N+1
changes nothing for running cases until they are migrated. A `WorkflowMigration` says, as
data a reviewer can read next to the two tables, where each state of N goes in N+1 and how
the case data changes. `engine.ops.case_migration` plans it per case (the dry run) and performs
it, one transaction and one audit row per case. The audit row's trigger is
`MIGRATION_TRIGGER`, a name no workflow may use for a transition of its own, so the audit
verifier can recognise it and switch to the new version's table from that row on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import WorkflowDefinitionError
from engine.spec import Workflow

MIGRATION_TRIGGER = "migrate_workflow_version"

DataMigration = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class WorkflowMigration:
    """How running cases move from `from_version` to `to_version` of `workflow`.

    `states` maps an old state to its new name; a state not named keeps its name if version
    `to_version` has it, and otherwise cannot be migrated (the case is refused with a reason
    and stays on the old version). `data`, if given, is a pure function from the old case
    data to the new (it gets a copy and must not touch anything else).
    """

    workflow: str
    from_version: int
    to_version: int
    states: Mapping[str, str] = field(default_factory=dict)
    data: DataMigration | None = None
    description: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.workflow, self.from_version, self.to_version)

    def target_state(self, old_state: str, new: Workflow) -> str | None:
        """The state a case in `old_state` gets in the new version (None: not covered)."""
        if old_state in self.states:
            return self.states[old_state]
        return old_state if any(s.name == old_state for s in new.states) else None

    def refusal(self, old_state: str, new: Workflow) -> str | None:
        """The Dutch reason a case in `old_state` cannot be migrated, or None."""
        if self.target_state(old_state, new) is not None:
            return None
        return (f"Fase '{old_state}' bestaat niet in versie {self.to_version} en de migratie zegt niet "
                "naar welke fase een zaak daarin gaat.")


def validate_migration(migration: WorkflowMigration, old: Workflow, new: Workflow) -> None:
    """Raise WorkflowDefinitionError listing every inconsistency between the migration and its tables."""
    m = migration
    problems: list[str] = []
    if (old.name, new.name) != (m.workflow, m.workflow):
        problems.append(f"migrates {m.workflow} but the tables are {old.name} and {new.name}")
    if (old.version, new.version) != (m.from_version, m.to_version):
        problems.append(f"tables are versions {old.version} and {new.version}")
    if m.to_version <= m.from_version:
        problems.append("to_version must be higher than from_version")
    old_states = {s.name: s for s in old.states}
    new_states = {s.name: s for s in new.states}
    for source, target in m.states.items():
        if source not in old_states:
            problems.append(f"state {source!r} does not exist in version {m.from_version}")
        if target not in new_states:
            problems.append(f"state {source!r} maps to {target!r}, which does not exist in version {m.to_version}")
        elif source in old_states and not old_states[source].final and new_states[target].final:
            # Closing a case is an action with its own effects (reporting to the parent, ...), not a rename.
            problems.append(f"running state {source!r} may not map to the final state {target!r}")
    if MIGRATION_TRIGGER in new.triggers or MIGRATION_TRIGGER in old.triggers:
        problems.append(f"the trigger name {MIGRATION_TRIGGER!r} is reserved for migrations")
    if problems:
        raise WorkflowDefinitionError(
            f"migration {m.workflow} v{m.from_version} -> v{m.to_version}: " + "; ".join(problems)
        )
