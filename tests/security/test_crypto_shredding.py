"""Erasure by crypto-shredding (ASVS 5.0 V14): a candidate's personal data and the free text
about them are stored sealed with the candidate's own data key; `candidate erase` destroys
that key. After an erasure no database file (SQLite file and WAL; PostgreSQL heap files and
WAL after a CHECKPOINT), nor a backup made *before* the erasure, holds the candidate's
name or e-mail address, and the audit trail still verifies."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine.clock import FixedClock
from engine.ops.backup import backup
from engine.spec import Actor
from engine.store import crypto
from engine.store import personal_data as sealing
from engine.store.models import User
from tests.casework_files import PDF
from tests.helpers import T0
from tests.plan_steps import PlanSteps as PlanServices
from tests.security import erasure_scan
from webui import create_app
from webui.cli import main
from webui.migrate import upgrade
from workflows.demo import load_demo
from workflows.domain.casework import JOB_ONLY
from workflows.storage.models import Candidate
from workflows.usecases.casework import CaseworkServices
from workflows.usecases.privacy import PrivacyServices

CANDIDATE, PLAN_CASE = 1, 2  # demo: the first candidate's running plan


def _cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _app(url: str, tmp_path: Path):
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t", "TESTING": True,
                      "DATA_KEY_FILE": str(tmp_path / "data_key")}, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"])
    return app


def _sanne(svc) -> Actor:
    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == "sanne@job.example")).one()
    return Actor(u.id, u.role, u.organisation_id, u.name)


def _canaries(svc) -> dict[str, str]:
    """A unique name and address for the candidate, and a plan with free text naming them."""
    tag = uuid.uuid4().hex[:8]
    c = {"first": f"Qwirtel{tag}", "last": f"Vrolmbak{tag}", "email": f"canary-{tag}@example.nl"}
    with svc.db.write() as s:
        cand = s.get(Candidate, CANDIDATE)
        cand.first_name, cand.last_name, cand.email = c["first"], c["last"], c["email"]
    plans, sanne = PlanServices(svc), _sanne(svc)
    plans.update_document(sanne, PLAN_CASE, coaching_need=f"{c['last']} heeft rust nodig",
                          onboarding_programme=f"Rustig starten met {c['first']}")
    plans.add_goal(sanne, PLAN_CASE, specific=f"{c['first']} weegt zelf het deeg af",
                   measure=f"{c['last']} doet het vijf keer", target_date=date(2027, 2, 1), owner="kandidaat")
    plans.log_hours(sanne, PLAN_CASE, worked_on="2026-11-20", hours="2", activity="werkvloer",
                    note=f"Gesprek met {c['first']} {c['last']}")
    work = CaseworkServices(svc)  # a note (edited: two versions) and a document on the plan
    note = work.add_note(sanne, PLAN_CASE, f"{c['first']} belde over de werktijden", JOB_ONLY)
    work.edit_note(sanne, PLAN_CASE, note, f"{c['first']} {c['last']} belde over de werktijden")
    work.add_document(sanne, PLAN_CASE, f"verklaring-{c['last']}.pdf", PDF, JOB_ONLY)
    return c


def _backup_text(path: Path, sqlite: bool) -> list[Path]:
    """The backup as bytes a reader would see: the SQLite file, or pg_dump's archive unpacked."""
    if sqlite:
        return [path]
    plain = path.with_suffix(".sql")
    subprocess.run(["pg_restore", "--file", str(plain), str(path)], check=True)
    return [plain]


def test_after_erasure_no_database_file_and_no_earlier_backup_holds_the_name_or_email(empty_db_url, tmp_path):
    app = _app(empty_db_url, tmp_path)
    svc = app.extensions["jobtraject"]
    try:
        since = erasure_scan.now()
        c = _canaries(svc)
        needles = [c["first"], c["last"], c["email"]]
        # Readable to the application (and in the AVG export) before the erasure ...
        export = PrivacyServices(svc).export(_sanne(svc), CANDIDATE)
        assert (export["candidate"]["first_name"], export["candidate"]["email"]) == (c["first"], c["email"])
        assert c["last"] in export["plans"][0]["plan_document"][0]["coaching_need"]
        assert c["last"] in export["case_notes"][0]["versions"][1]["text"]
        assert export["case_documents"][0]["versions"][0]["filename"] == f"verklaring-{c['last']}.pdf"
        before = tmp_path / "before-erasure.backup"
        backup(svc.db, before)
        assert sum(erasure_scan.hits(_backup_text(before, svc.db.sqlite), needles).values()) == 0
        result = _cli(app, "candidate", "erase", str(CANDIDATE), "--even-if-running")
        assert result.exit_code == 0, result.output
        files = erasure_scan.database_files(svc.db, since)
        # The scan reads the right files: the employer's name (not personal) is there in clear.
        assert erasure_scan.hits(files, ["Korenaar"])["Korenaar"] > 0
        assert erasure_scan.hits(files, needles) == dict.fromkeys(needles, 0)
        assert erasure_scan.hits(_backup_text(before, svc.db.sqlite), needles) == dict.fromkeys(needles, 0)
        with svc.db.read() as s:
            assert s.get(Candidate, CANDIDATE).display_name == "Kandidaat #1"
            assert s.get(sealing.DataKey, CANDIDATE) is None
            assert sealing.lookup(s, c["last"]) == set()
        verify = _cli(app, "audit", "verify")
        assert verify.exit_code == 0 and "OK" in verify.output, verify.output
    finally:
        svc.db.dispose()


def test_sealed_values_are_unreadable_once_the_data_key_is_destroyed(empty_db_url, tmp_path):
    app = _app(empty_db_url, tmp_path)
    svc = app.extensions["jobtraject"]
    try:
        with svc.db.read() as s:
            raw = s.execute(select(Candidate.last_name).where(Candidate.id == CANDIDATE)).scalar()
            name = s.get(Candidate, CANDIDATE).last_name
        assert crypto.is_sealed(raw) and name not in raw
        with svc.db.write() as s:
            sealing.destroy(s, CANDIDATE)
        with svc.db.read() as s:
            assert sealing.open_value(s, Candidate, "last_name", raw) is None
    finally:
        svc.db.dispose()


def test_the_inbox_finds_a_candidate_by_a_whole_name_word_through_the_blind_index(empty_db_url, tmp_path):
    app = _app(empty_db_url, tmp_path)
    svc = app.extensions["jobtraject"]
    try:
        with svc.db.read() as s:
            cand = s.get(Candidate, CANDIDATE)
            last, first = cand.last_name, cand.first_name
            assert sealing.lookup(s, last.upper()) == {CANDIDATE}
            assert sealing.lookup(s, f"{first} {last}") == {CANDIDATE}
            assert CANDIDATE not in (sealing.lookup(s, last[:-1]) or set())
    finally:
        svc.db.dispose()


def test_keys_rotate_keeps_everything_readable_and_the_old_master_key_no_longer_opens_the_data_keys(
        empty_db_url, tmp_path):
    app = _app(empty_db_url, tmp_path)
    svc = app.extensions["jobtraject"]
    try:
        with svc.db.read() as s:
            before = {c.id: (c.display_name, c.email) for c in s.scalars(select(Candidate))}
            wrapped = dict(s.execute(select(sealing.DataKey.subject_id, sealing.DataKey.wrapped)).all())
        old = crypto.read_key_file(tmp_path / "data_key")
        result = _cli(app, "keys", "rotate")
        assert result.exit_code == 0, result.output
        new = crypto.read_key_file(tmp_path / "data_key")
        assert new != old and (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("data_key.")] == []  # committed: gone
        fresh = create_app({"DATABASE_URL": empty_db_url, "SECRET_KEY": "t", "TESTING": True,
                            "DATA_KEY_FILE": str(tmp_path / "data_key")})
        crypto.master_for(tmp_path / "data_key").reload()
        with fresh.extensions["jobtraject"].db.read() as s:
            assert {c.id: (c.display_name, c.email) for c in s.scalars(select(Candidate))} == before
            assert sealing.lookup(s, before[CANDIDATE][0].split()[-1]) == {CANDIDATE}
            rows = dict(s.execute(select(sealing.DataKey.subject_id, sealing.DataKey.wrapped)).all())
        assert rows.keys() == wrapped.keys()
        for subject_id, blob in rows.items():
            crypto.unwrap(new, subject_id, blob)
            with pytest.raises(crypto.MasterKeyError):
                crypto.unwrap(old, subject_id, blob)
    finally:
        svc.db.dispose()


def test_the_migration_seals_candidates_stored_in_clear_before_it(empty_db_url, tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from engine.store.db import Database

    upgrade(empty_db_url, "0002")
    plain = Database(empty_db_url, data_key_file=tmp_path / "data_key")
    with plain.engine.begin() as conn:
        conn.execute(insert(Candidate.__table__).values(id=7, first_name="Oudrij", last_name="Klaarveld",
                                                        email="oud@example.nl", created_at=datetime.now(UTC)))
    upgrade(empty_db_url, data_key_file=str(tmp_path / "data_key"))
    upgrade(empty_db_url, data_key_file=str(tmp_path / "data_key"))  # twice is harmless
    try:
        with plain.read() as s:
            raw = s.execute(select(Candidate.last_name, Candidate.email).where(Candidate.id == 7)).one()
            assert all(crypto.is_sealed(v) for v in raw)
            cand = s.get(Candidate, 7)
            assert (cand.display_name, cand.email) == ("Oudrij Klaarveld", "oud@example.nl")
            assert sealing.lookup(s, "klaarveld") == {7}
    finally:
        plain.dispose()
