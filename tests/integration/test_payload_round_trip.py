"""What a transition stores is what both databases give back, so the audit chain verifies.

Found by the stateful test: on PostgreSQL a float such as 1e16 came back as an integer and
broke the entry's hash; NaN, Infinity and lone surrogates crashed the transaction with a
driver error instead of a refusal the user can read.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.errors import InvalidPayload
from engine.registry import Registry
from engine.services import Services
from engine.store.models import AuditEntry, Case
from tests.helpers import make_org, make_user, snapshot
from tests.sample_workflow import CLERK, SAMPLE


@pytest.fixture
def setup(db, clock):
    registry = Registry()
    registry.register(SAMPLE)
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    services = Services(db=db, registry=registry, clock=clock)
    case = services.start_case(clerk, "sample", {}, organisation_id=org)
    return services, registry, clerk, case


@pytest.mark.parametrize(
    "amount, stored",
    [(1e16, 10**16), (-1.5e22, -15 * 10**21), (1.2345678901234567e20, 123456789012345670000),
     (-0.0, 0.0), (1.5e-7, 1.5e-7), (0.1, 0.1), (2.0, 2.0), (2**70, 2**70)],
)
def test_numbers_are_audited_as_the_database_stores_them(setup, db, amount, stored):
    services, registry, clerk, case = setup
    services.fire_trigger(clerk, case.id, "record", {"amount": amount})
    with db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id, AuditEntry.seq == 2)).one()
        data = s.get(Case, case.id).data
        assert verify_all(s, registry) == (1, [])
    assert entry.payload == {"amount": stored} and type(entry.payload["amount"]) is type(stored)
    assert data["amount"] == stored


@pytest.mark.parametrize(
    "payload",
    [{"amount": float("nan")}, {"amount": float("inf")}, {"amount": float("-inf")},
     {"note": "kapot \ud800 teken"}],
)
def test_values_a_database_cannot_store_are_refused_without_writing(setup, db, payload):
    services, registry, clerk, case = setup
    before = snapshot(db)
    with pytest.raises(InvalidPayload):
        services.fire_trigger(clerk, case.id, "record", payload)
    assert snapshot(db) == before


def test_a_lone_surrogate_in_a_reason_or_a_key_is_refused_without_writing(setup, db):
    services, registry, clerk, case = setup
    before = snapshot(db)
    with pytest.raises(InvalidPayload) as info:
        services.fire_trigger(clerk, case.id, "stop", reason="weg \udc80")
    assert "reason" in info.value.errors
    with pytest.raises(InvalidPayload) as info:
        services.fire_trigger(clerk, case.id, "stop", {"sleutel\udfff": 1}, reason="weg")
    assert "payload" in info.value.errors
    assert snapshot(db) == before


def test_the_typed_characters_backslash_u0000_are_ordinary_text(setup, db):
    services, registry, clerk, case = setup
    services.fire_trigger(clerk, case.id, "record", {"note": "map C:\\u0000\\oud"})
    with db.read() as s:
        assert s.get(Case, case.id).data == {"note": "map C:\\u0000\\oud"}
        assert verify_all(s, registry) == (1, [])
