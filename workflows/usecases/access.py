"""Who sees which case at JoB, enforced in the service layer for UI and API alike.

- JoB coaches and admins: every case (JoB runs every trajectory from start to end);
- WSP advisers: the cases of the employers in their WSP region;
- opdrachtgever and Harrie: only their own company's cases (and its candidates' plans).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, select, true
from sqlalchemy.orm import object_session

from engine.spec import Actor
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Organisation
from workflows.domain.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER, WSP

# Asked on every WSP action: built once and run on the driver cursor (engine/store/driver_sql.py),
# in the caller's transaction; through the ORM session it cost a tenth of a WSP transition.
_PARENT_OF = DriverStatement(select(Organisation.parent_id).where(Organisation.id == bindparam("org_id")))


class JobAccessPolicy:
    def __init__(self, db=None) -> None:
        self.db = db

    def case_filter(self, actor: Actor) -> ColumnElement[bool]:
        if actor.is_system or actor.role in (JOB, ADMIN):
            return true()
        if actor.organisation_id is None:
            return false()
        if actor.role == WSP:
            region = select(Organisation.id).where(Organisation.parent_id == actor.organisation_id)
            return Case.organisation_id.in_(region)
        if actor.role in (OPDRACHTGEVER, HARRIE):
            return Case.organisation_id == actor.organisation_id
        return false()

    def can_see(self, actor: Actor, case: Case, tx: Any = None) -> bool:
        if actor.is_system or actor.role in (JOB, ADMIN):
            return True
        if actor.organisation_id is None or case.organisation_id is None:
            return False
        if actor.role in (OPDRACHTGEVER, HARRIE):
            return case.organisation_id == actor.organisation_id
        if actor.role == WSP:
            tx = tx if tx is not None else object_session(case)  # a session-less unit's case has none
            if tx is None:
                return False
            rows = _PARENT_OF.mappings(tx, {"org_id": case.organisation_id})
            return bool(rows) and rows[0]["parent_id"] == actor.organisation_id
        return False

    def can_start(self, actor: Actor, workflow: str, organisation_id: int | None) -> bool:
        if actor.is_system or actor.role == JOB:
            return True
        if actor.role == WSP and organisation_id is not None and self.db is not None:
            with self.db.read() as s:
                parent = s.scalar(select(Organisation.parent_id).where(Organisation.id == organisation_id))
            return parent == actor.organisation_id
        return False
