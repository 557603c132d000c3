"""Random use of the engine never breaks its invariants (Hypothesis stateful test).

Random actors (right role, wrong role, another organisation, the system) fire random
triggers (valid, impossible, unknown) with random payloads, reasons and expected versions
on the sample workflow. A small model of the sample workflow predicts every outcome; after
every step the invariants are checked against the real database:

- a case's state equals the `to` of its last audit entry;
- audit sequences are gap-free and every hash chain verifies (`verify_all`);
- every audited (from, trigger, to) exists in the workflow definition;
- a refused action changed nothing at all;
- open tasks and pending timers belong to the case's current state (and are exactly the
  ones that state opens).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from engine.audit import verify_all
from engine.errors import (
    CaseNotFound,
    EngineError,
    GuardRejected,
    InvalidPayload,
    NotPermitted,
    StaleCase,
    TransitionNotAllowed,
    UnknownTrigger,
)
from engine.registry import Registry
from engine.services import Services
from engine.spec import SYSTEM, SYSTEM_ACTOR, Actor
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, OutboxMessage, Task, Timer
from tests.helpers import make_org, make_user, snapshot
from tests.sample_workflow import BOSS, CLERK, SAMPLE

VISITOR = "visitor"  # a role of the organisation that no transition allows

# The sample workflow, written out once more as the oracle: (state, trigger) -> (dest, roles).
# dest None: the case stays where it is; "left_from": back to the phase it was stopped in.
EDGES: dict[tuple[str, str], tuple[str | None, frozenset[str]]] = {
    ("intake", "record"): (None, frozenset({CLERK, BOSS})),
    ("review", "record"): (None, frozenset({CLERK, BOSS})),
    ("intake", "submit"): ("review", frozenset({CLERK})),
    ("review", "approve"): ("approved", frozenset({BOSS})),
    ("review", "back"): ("intake", frozenset({BOSS, CLERK})),
    ("review", "expire"): ("intake", frozenset({SYSTEM})),
    ("approved", "close"): ("done", frozenset({SYSTEM, BOSS})),
    ("intake", "stop"): ("stopped", frozenset({CLERK, BOSS})),
    ("review", "stop"): ("stopped", frozenset({CLERK, BOSS})),
    ("approved", "stop"): ("stopped", frozenset({CLERK, BOSS})),
    ("stopped", "reopen"): ("left_from", frozenset({BOSS})),
}
TRIGGERS = sorted({t for (_s, t) in EDGES})
FINAL = {"done", "stopped"}
OPEN_TASKS = {"intake": ["collect"], "review": ["review"]}
PENDING_TIMERS = {"review": ["expire"], "approved": ["close"]}
# What the definition allows, read from the definition itself (not from the oracle).
DEFINED = {
    (src, t.trigger, t.dest or src) for t in SAMPLE.transitions for src in t.sources(SAMPLE.states)
}
BOGUS_CASE_IDS = [10**12, 0, -1, "1", None, True, 1.5]
BAD_TEXT = ["nul\x00byte", "half \ud800 teken"]
ODD_BUT_FINE_TEXT = ["C:\\u0000", "  ", "\u2028", "é🙂"]


def stored_number(value: Any) -> Any:
    """What a JSON number reads back as from PostgreSQL (exact decimal, no exponent)."""
    if isinstance(value, float):
        if abs(value) >= 1e16:
            return int(Decimal(repr(value)))
        return value + 0.0
    return value


def unstorable(value: Any) -> bool:
    """Values one of the databases cannot store: NUL, lone surrogates, NaN, Infinity."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


def stored(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stored(v) for v in value]
    return stored_number(value)


@dataclass
class CaseModel:
    version: int
    state: str = "intake"
    data: dict[str, Any] = field(default_factory=dict)
    audit: list[tuple[str | None, str, str]] = field(default_factory=lambda: [(None, "start", "intake")])


@dataclass(frozen=True)
class Outcome:
    error: type[EngineError] | None
    state: str | None = None
    data: dict[str, Any] | None = None


def predict(
    model: CaseModel | None, visible: bool, role: str, trigger: Any, payload: Any, reason: Any,
    expected: int | None,
) -> Outcome:
    """The outcome the sample workflow's definition promises, in the engine's check order."""
    if model is None or not visible:
        return Outcome(CaseNotFound)
    if expected is not None and expected != model.version:
        return Outcome(StaleCase)
    if trigger not in TRIGGERS:
        return Outcome(UnknownTrigger)
    edge = EDGES.get((model.state, trigger))
    if edge is None:
        return Outcome(TransitionNotAllowed)
    dest, roles = edge
    if role not in roles:
        return Outcome(NotPermitted)
    if payload is not None and not isinstance(payload, dict):
        return Outcome(InvalidPayload)
    payload = payload or {}
    if trigger == "record" and (
        set(payload) - {"handler", "amount", "note"}
        or ("amount" in payload and not isinstance(payload["amount"], int | float))
    ):
        return Outcome(InvalidPayload)
    if unstorable(payload):
        return Outcome(InvalidPayload)
    reason = (reason or "").strip() or None
    if reason is not None and unstorable(reason):
        return Outcome(InvalidPayload)
    if trigger == "stop" and reason is None:
        return Outcome(InvalidPayload)
    data = dict(model.data)
    if trigger == "record":
        data.update(stored(payload))
    if trigger == "submit" and not data.get("handler"):
        return Outcome(GuardRejected)
    if trigger == "approve" and not (data.get("amount") or 0) > 0:
        return Outcome(GuardRejected)
    if trigger == "stop":
        data["left_from"] = model.state
    if dest == "left_from":
        dest = data["left_from"]
    return Outcome(None, dest or model.state, data)


# -- strategies ---------------------------------------------------------------------------
texts = st.one_of(st.text(max_size=8), st.sampled_from(BAD_TEXT + ODD_BUT_FINE_TEXT))
amounts = st.one_of(
    st.integers(-3, 5), st.integers(), st.floats(), st.booleans(), st.none(), st.text(max_size=3)
)
record_payloads = st.fixed_dictionaries(
    {},
    optional={
        "handler": st.one_of(st.none(), st.just(""), texts, st.integers(0, 2)),
        "amount": amounts,
        "note": texts,
        "onbekend": st.integers(),
    },
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
payloads = st.one_of(
    st.none(), record_payloads, st.dictionaries(texts, json_values, max_size=3),
    st.sampled_from([["lijst"], "tekst", 7]),
)
PLAUSIBLE_RECORD = st.fixed_dictionaries(
    {"handler": st.sampled_from(["Sanne", "Ahmed"]), "amount": st.integers(1, 9)},
    optional={"note": st.text(max_size=8)},
)
SPOILERS = ["payload", "actor", "trigger", "version", "reason", "case"]
PROGRESS = ["submit", "approve", "close", "reopen", "record", "back", "expire", "stop"]
reasons = st.one_of(st.none(), st.sampled_from(["", "   ", "bedrijf stopt"]), texts)


@dataclass
class World:
    db: Database
    services: Services
    registry: Registry
    org_id: int
    actors: dict[str, Actor]


class SampleCases(RuleBasedStateMachine):
    """One example: up to three cases of the sample workflow, fired at at random."""

    world: World  # set by the test on a subclass, one per database
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[int, CaseModel] = {}
        # Every example starts from an empty engine (organisations and users stay).
        with self.world.db.write() as s:
            for model in (OutboxMessage, Timer, Task, AuditEntry, Case):
                s.execute(delete(model))

    # -- helpers ----------------------------------------------------------------------------
    def _start(self, actor: Actor, data: dict[str, Any]) -> int:
        snap = self.world.services.start_case(actor, "sample", data, organisation_id=self.world.org_id)
        assert (snap.state, snap.data) == ("intake", stored(data))
        self.models[snap.id] = CaseModel(version=snap.version, data=stored(data))
        return snap.id

    @staticmethod
    def _moves_that_work(model: CaseModel) -> list[str]:
        """Triggers that succeed from the model's state, forward moves first."""
        moves = []
        for trigger in PROGRESS:
            edge = EDGES.get((model.state, trigger))
            if edge is None:
                continue
            payload = {"handler": "Sanne", "amount": 1} if trigger == "record" else None
            reason = "bedrijf stopt" if trigger == "stop" else None
            if predict(model, True, min(edge[1]), trigger, payload, reason, None).error is None:
                moves.append(trigger)
        return moves

    # -- rules ------------------------------------------------------------------------------
    @initialize(target=cases, starter=st.sampled_from([CLERK, BOSS]))
    def start_a_case(self, starter: str) -> int:
        return self._start(self.world.actors[starter], {"titel": "dossier"})

    @precondition(lambda self: len(self.models) < 3)
    @rule(target=cases, starter=st.sampled_from([CLERK, BOSS, VISITOR, "outsider"]), title=texts)
    def start_another_case(self, starter: str, title: str):
        data = {"titel": title}
        refusal = NotPermitted if starter == "outsider" else InvalidPayload if unstorable(data) else None
        if refusal is None:
            return self._start(self.world.actors[starter], data)
        before = snapshot(self.world.db)
        with pytest.raises(refusal):
            self.world.services.start_case(
                self.world.actors[starter], "sample", data, organisation_id=self.world.org_id
            )
        assert snapshot(self.world.db) == before
        return multiple()

    @rule(case_id=cases, data=st.data())
    def fire_a_trigger(self, case_id: int, data: st.DataObject) -> None:
        """A move a user could make on this case, sometimes spoiled in one to three ways.

        Unspoiled moves walk the case through every phase; each spoiler (another actor,
        another trigger, a stale version, a bad payload or reason, an unknown case id) makes
        the engine refuse for one reason or several at once.
        """
        model = self.models[case_id]
        moves = self._moves_that_work(model)
        # Moves that work first: Hypothesis prefers the first elements of sampled_from.
        tries = moves + [t for (s, t) in EDGES if s == model.state and t not in moves]
        # A finished case ("done") has no moves left: anything fired at it is refused.
        trigger = data.draw(st.sampled_from(tries), label="trigger") if tries else "reopen"
        roles = sorted(EDGES[model.state, trigger][1]) if (model.state, trigger) in EDGES else [BOSS]
        role = data.draw(st.sampled_from(roles), label="role")
        actor = SYSTEM_ACTOR if role == SYSTEM else self.world.actors[role]
        payload = data.draw(PLAUSIBLE_RECORD if trigger == "record" else st.none(), label="payload")
        reason = "bedrijf stopt" if trigger == "stop" else None
        expected = data.draw(st.sampled_from([None, model.version]), label="expected_version")
        for spoiler in data.draw(st.lists(st.sampled_from(SPOILERS), max_size=3, unique=True), label="spoilers"):
            if spoiler == "actor":
                name = data.draw(st.sampled_from([CLERK, BOSS, VISITOR, SYSTEM, "outsider"]), label="actor")
                actor = SYSTEM_ACTOR if name == SYSTEM else self.world.actors[name]
            elif spoiler == "trigger":
                trigger = data.draw(st.sampled_from([*TRIGGERS, "explode", "start", ""]), label="trigger")
            elif spoiler == "version":
                stale = [model.version - 1, model.version + 1, 0, -1]
                expected = data.draw(st.sampled_from(stale), label="expected_version")
            elif spoiler == "payload":
                payload = data.draw(payloads, label="payload")
            elif spoiler == "reason":
                reason = data.draw(reasons, label="reason")
            else:
                case_id = data.draw(st.sampled_from(BOGUS_CASE_IDS), label="case id")
        model = self.models.get(case_id) if type(case_id) is int else None

        visible = actor.is_system or actor.organisation_id == self.world.org_id
        outcome = predict(model, visible, actor.role, trigger, payload, reason, expected)
        before = snapshot(self.world.db)
        try:
            snap = self.world.services.fire_trigger(
                actor, case_id, trigger, payload, expected_version=expected, reason=reason
            )
        except EngineError as exc:
            assert outcome.error is not None, f"refused with {exc!r}, expected success"
            assert type(exc) is outcome.error, f"refused with {exc!r}, expected {outcome.error.__name__}"
            assert snapshot(self.world.db) == before, "a refused action changed the database"
            if isinstance(exc, TransitionNotAllowed):
                assert exc.state == model.state
                assert set(exc.allowed) == {
                    t for (s, t), (_d, roles) in EDGES.items() if s == model.state and actor.role in roles
                }
            return
        assert outcome.error is None, f"succeeded, expected {outcome.error.__name__}"
        assert model is not None
        model.audit.append((model.state, trigger, outcome.state))
        model.state, model.data, model.version = outcome.state, outcome.data, model.version + 1
        assert (snap.state, snap.version, snap.data) == (model.state, model.version, model.data)
        with self.world.db.read() as s:
            last = s.scalars(
                select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq.desc())
            ).first()
        assert (last.trigger, last.actor_role, last.actor_user_id) == (trigger, actor.role, actor.user_id)
        assert last.payload == stored(payload or {})
        assert last.reason == ((reason or "").strip() or None)

    # -- invariants -------------------------------------------------------------------------
    @invariant()
    def every_case_keeps_the_engines_promises(self) -> None:
        with self.world.db.read() as s:
            cases = {c.id: c for c in s.scalars(select(Case))}
            trails: dict[int, list[AuditEntry]] = defaultdict(list)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.case_id, AuditEntry.seq)):
                trails[e.case_id].append(e)
            open_tasks: dict[int, list[Task]] = defaultdict(list)
            for t in s.scalars(select(Task).where(Task.status == "open")):
                open_tasks[t.case_id].append(t)
            pending: dict[int, list[Timer]] = defaultdict(list)
            for t in s.scalars(select(Timer).where(Timer.status == "pending")):
                pending[t.case_id].append(t)
            checked, problems = verify_all(s, self.world.registry)
        assert (checked, problems) == (len(cases), [])
        for case_id, case in cases.items():
            trail = trails[case_id]
            assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
            assert case.state == trail[-1].to_state
            assert (trail[0].from_state, trail[0].trigger, trail[0].to_state) == (None, "start", "intake")
            for e in trail[1:]:
                assert (e.from_state, e.trigger, e.to_state) in DEFINED
            assert all(t.state == case.state for t in open_tasks[case_id])
            assert sorted(t.key for t in open_tasks[case_id]) == OPEN_TASKS.get(case.state, [])
            assert all(t.state == case.state for t in pending[case_id])
            assert sorted(t.trigger for t in pending[case_id]) == PENDING_TIMERS.get(case.state, [])
            assert (case.closed_at is not None) == (case.state in FINAL)
            model = self.models.get(case_id)
            if model is not None:
                assert (case.state, case.version, case.data) == (model.state, model.version, model.data)
                assert [(e.from_state, e.trigger, e.to_state) for e in trail] == model.audit


@pytest.fixture
def world(db, clock) -> World:
    registry = Registry()
    registry.register(SAMPLE)
    org = make_org(db)
    other = make_org(db, "Garage Van Dijk")
    actors = {
        CLERK: make_user(db, org, CLERK, "clerk@example.nl"),
        BOSS: make_user(db, org, BOSS, "boss@example.nl"),
        VISITOR: make_user(db, org, VISITOR, "visitor@example.nl"),
        "outsider": make_user(db, other, BOSS, "boss@garage.nl"),
    }
    return World(db, Services(db=db, registry=registry, clock=clock), registry, org, actors)


def test_random_use_never_breaks_the_invariants(world, db):
    machine = type(f"SampleCasesOn{db.dialect.title()}", (SampleCases,), {"world": world})
    run_state_machine_as_test(
        machine, settings=settings(max_examples=25, stateful_step_count=20, deadline=None)
    )

