"""Files holding the database or a copy of it are the owner's only (ASVS 5.0 V13/V14 data at
rest): 0600 files and 0700 folders whatever the umask, here the common 022 that would make
them world-readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.ops.backup import backup
from engine.store.db import Database
from tests.helpers import make_org
from webui.config import from_environment


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_database_its_wal_and_shm_and_its_folder_are_the_owners_only(tmp_path):
    path = tmp_path / "data" / "jobtraject.db"
    db = Database(f"sqlite:///{path}")
    try:
        db.create_all()
        with db.write() as s:
            s.execute(text("CREATE TABLE probe (x INTEGER)"))
            s.execute(text("INSERT INTO probe VALUES (1)"))
        wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
        assert wal.exists() and shm.exists()  # the connection is still open: WAL mode keeps them
        assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {p.name: "0o600" for p in (path, wal, shm)}
        assert oct(mode(path.parent)) == "0o700"
    finally:
        db.dispose()


def test_an_existing_database_left_world_readable_is_tightened_when_the_app_opens_it(tmp_path):
    path = tmp_path / "old.db"
    Database(f"sqlite:///{path}").dispose()
    for p in (path, path.with_name(path.name + "-wal")):
        p.touch()
        p.chmod(0o644)
    db = Database(f"sqlite:///{path}")
    try:
        assert oct(mode(path)) == oct(mode(path.with_name(path.name + "-wal"))) == "0o600"
    finally:
        db.dispose()


def test_a_backup_and_the_folder_made_for_it_are_the_owners_only(db_url, db, tmp_path):
    make_org(db, "JoB Jobcoaching", "job")
    target = backup(db, tmp_path / "backups" / "nacht" / "jobtraject.bak")
    assert target.stat().st_size > 0
    assert oct(mode(target)) == "0o600"
    assert oct(mode(target.parent)) == oct(mode(target.parent.parent)) == "0o700"
    again = backup(db, target)  # replacing an old backup keeps it private
    assert oct(mode(again)) == "0o600"


def test_the_instance_folder_and_its_secret_key_are_the_owners_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    from_environment(instance)
    assert oct(mode(instance)) == "0o700" and oct(mode(instance / "secret_key")) == "0o600"
    instance.chmod(0o755)  # an older install: tightened at the next start
    from_environment(instance)
    assert oct(mode(instance)) == "0o700"
