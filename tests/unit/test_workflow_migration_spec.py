"""A migration between two versions is checked when it is registered, like the tables themselves."""

from __future__ import annotations

import dataclasses

import pytest

from engine.errors import WorkflowDefinitionError
from engine.registry import Registry
from engine.spec import SYSTEM, Transition
from engine.versioning import MIGRATION_TRIGGER
from tests.plan_v2 import MIGRATION, PLAN_V2
from workflows.domain import candidate_plan as plan


def _registry(*versions) -> Registry:
    registry = Registry()
    for wf in (plan.WORKFLOW, *versions):
        registry.register(wf)
    return registry


def test_a_state_not_named_keeps_its_name_when_the_new_version_has_it():
    assert MIGRATION.target_state("actieplan", PLAN_V2) == "actieplan"
    assert MIGRATION.target_state("vervolg", PLAN_V2) == "vervolg_evaluaties"
    assert MIGRATION.refusal("actieplan", PLAN_V2) is None


def test_a_state_the_new_version_lacks_and_the_migration_does_not_name_is_refused_with_a_reason():
    assert MIGRATION.target_state("gepauzeerd", PLAN_V2) is None
    assert MIGRATION.refusal("gepauzeerd", PLAN_V2) == (
        "Fase 'gepauzeerd' bestaat niet in versie 2 en de migratie zegt niet naar welke fase een zaak daarin gaat.")


@pytest.mark.parametrize(("states", "problem"), [
    ({"vervolg": "bestaat_niet"}, "maps to 'bestaat_niet', which does not exist in version 2"),
    ({"bestaat_niet": "afsluiting"}, "state 'bestaat_niet' does not exist in version 1"),
    ({"vervolg": "afgerond"}, "running state 'vervolg' may not map to the final state 'afgerond'"),
])
def test_a_migration_naming_states_wrongly_is_rejected_at_registration(states, problem):
    registry = _registry(PLAN_V2)
    with pytest.raises(WorkflowDefinitionError, match=problem):
        registry.register_migration(dataclasses.replace(MIGRATION, states=states))


def test_a_migration_needs_both_versions_registered_and_is_registered_once():
    with pytest.raises(KeyError):
        _registry().register_migration(MIGRATION)
    registry = _registry(PLAN_V2)
    registry.register_migration(MIGRATION)
    with pytest.raises(WorkflowDefinitionError, match="registered twice"):
        registry.register_migration(MIGRATION)
    assert registry.migrations() == [MIGRATION]


def test_no_workflow_may_use_the_migration_trigger_for_a_transition_of_its_own():
    sneaky = dataclasses.replace(PLAN_V2, transitions=(
        *PLAN_V2.transitions, Transition(MIGRATION_TRIGGER, "actieplan", "afsluiting", by=(SYSTEM,))))
    registry = _registry(sneaky)
    with pytest.raises(WorkflowDefinitionError, match="reserved for migrations"):
        registry.register_migration(MIGRATION)

