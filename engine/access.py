"""Who may see which case: a policy the domain supplies, applied in the service layer.

The engine only knows that an actor belongs to an organisation; the `workflows` package
decides what that means (JoB sees all of JoB's cases, a WSP its region's companies, an
employer only its own). Every read and write goes through `case_filter` or `can_see`.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, true

from engine.spec import Actor
from engine.store.models import Case


class AccessPolicy(Protocol):
    def case_filter(self, actor: Actor) -> ColumnElement[bool]:
        """A WHERE clause on `Case` selecting exactly the cases the actor may see."""
        ...

    def can_see(self, actor: Actor, case: Case, tx: Any = None) -> bool:
        """`tx`: the transaction the case was read in (an ORM session or a session-less unit),
        for a policy that must read a row to decide; None: the case's own session."""
        ...

    def can_start(self, actor: Actor, workflow: str, organisation_id: int | None) -> bool: ...


class OwnOrganisationPolicy:
    """The simplest safe policy: an actor sees the cases of its own organisation."""

    def case_filter(self, actor: Actor) -> ColumnElement[bool]:
        if actor.is_system:
            return true()
        if actor.organisation_id is None:
            return false()
        return Case.organisation_id == actor.organisation_id

    def can_see(self, actor: Actor, case: Case, tx: Any = None) -> bool:
        return actor.is_system or (actor.organisation_id is not None and case.organisation_id == actor.organisation_id)

    def can_start(self, actor: Actor, workflow: str, organisation_id: int | None) -> bool:
        return actor.is_system or organisation_id == actor.organisation_id
