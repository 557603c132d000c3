"""`jobtraject audit verify`: exit 0 and "OK" on a sound database, non-zero naming the
cases whose audit trail was tampered with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import delete, select

from engine.audit import hash_of
from engine.clock import FixedClock
from engine.services import Services
from engine.store.models import AuditEntry, Case
from tests.helpers import T0, make_org, make_user
from tests.sample_workflow import BOSS, CLERK, SAMPLE
from webui import create_app
from webui.cli import main

JOBTRAJECT = Path(sys.executable).with_name("jobtraject")


@pytest.fixture
def app(db_url):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    app.extensions["jobtraject"].registry.register(SAMPLE)  # next to the real workflows
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def cases(app) -> tuple[int, int]:
    """Two sample cases with a few transitions each; returns their ids."""
    installed = app.extensions["jobtraject"]
    # The sample workflow's roles are not JoB's: start its cases under the engine's own policy.
    services = Services(db=installed.db, registry=installed.registry, clock=FixedClock(T0))
    org = make_org(services.db)
    clerk = make_user(services.db, org, CLERK, "clerk@example.nl")
    boss = make_user(services.db, org, BOSS, "boss@example.nl")
    first = services.start_case(clerk, "sample", {"titel": "een"}, organisation_id=org)
    services.fire_trigger(clerk, first.id, "record", {"handler": "Sanne", "amount": 5})
    services.fire_trigger(clerk, first.id, "submit")
    services.fire_trigger(boss, first.id, "approve")
    second = services.start_case(clerk, "sample", {"titel": "twee"}, organisation_id=org)
    services.fire_trigger(clerk, second.id, "stop", reason="bedrijf stopt")
    return first.id, second.id


def verify(app):
    return CliRunner().invoke(main, ["audit", "verify"], obj=ScriptInfo(create_app=lambda: app))


def test_an_empty_database_verifies(app):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output == "OK: 0 of 0 cases verified, no problems.\n"


def test_a_sound_database_verifies(app, cases):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output == "OK: 2 of 2 cases verified, no problems.\n"


def _edit_payload(s, case_id):
    entry = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.seq == 2)).one()
    entry.payload = {"handler": "Iemand anders", "amount": 5}


def _move_state(s, case_id):
    s.get(Case, case_id).state = "done"


def _drop_middle_entry(s, case_id):
    s.execute(delete(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.seq == 2))


def _forge_a_transition_and_rehash(s, case_id):
    """A forger who recomputes the whole chain is still caught: intake -> approved does
    not exist in the workflow."""
    entries = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)).all()
    entries[2].to_state = "approved"  # submit: intake -> review becomes intake -> approved
    entries[3].from_state = "approved"
    prev = entries[0].hash
    for entry in entries[1:]:
        entry.prev_hash = prev
        entry.hash = prev = hash_of(entry)
    case = s.get(Case, case_id)
    case.last_hash = prev


TAMPERING = {
    "edited payload": (_edit_payload, "entry 2: hash does not match its content"),
    "state changed behind the engine's back": (_move_state, "differs from last audit entry"),
    "deleted entry": (_drop_middle_entry, "sequence gap: expected 2, found 3"),
    "forged transition, chain recomputed": (_forge_a_transition_and_rehash, "is not in the workflow definition"),
}


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_fails_and_names_the_case(app, cases, how):
    tamper, problem = TAMPERING[how]
    first, second = cases
    with app.extensions["jobtraject"].db.write() as s:
        tamper(s, first)
    result = verify(app)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"case {first}: ") and problem in line for line in lines), result.output
    assert not any(line.startswith(f"case {second}:") for line in lines)
    assert lines[-1] == f"FAILED: 1 of 2 cases have problems: {first}"


# -- the installed console script -----------------------------------------------------------------
def run_cli(db_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "test"}
    return subprocess.run(
        [str(JOBTRAJECT), "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_console_script_says_ok_on_a_clean_database(db_url):
    result = run_cli(db_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 0 of 0 cases verified")


def test_the_console_script_fails_on_a_case_of_a_workflow_it_does_not_know(app, cases, db_url):
    """The installation's own registry has no 'sample' workflow: such cases cannot be
    verified, and verification must say so rather than pass."""
    result = run_cli(db_url)
    assert result.returncode == 1
    first, second = cases
    assert f"case {first}: unknown workflow sample v1" in result.stdout
    assert result.stdout.splitlines()[-1] == f"FAILED: 2 of 2 cases have problems: {first}, {second}"
