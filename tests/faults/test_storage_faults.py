"""The SQLite database on a file system that fills up, or turns read-only.

A real small file system: a 2 MB tmpfs mounted for the test (needs root, as in CI; the
test fails, never skips, without it). Writes get a Dutch 503 "probeer het opnieuw" page,
nothing is half-written, and once space returns (or the file system is writable again)
the same running app carries on: no restart.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import assert_nothing_lost, coach_world, fault_log, login_as, web_app
from tests.helpers import snapshot

pytestmark = pytest.mark.slow


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"mount {' '.join(args)} failed ({result.stderr.strip()}); these tests need root "
                    "to mount a small tmpfs")


@pytest.fixture
def small_fs(tmp_path) -> Iterator[Path]:
    mnt = tmp_path / "fs"
    mnt.mkdir()
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt))
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def running(small_fs):
    from engine.store.db import Database

    url = f"sqlite:///{small_fs / 'jobtraject.db'}"
    schema = Database(url)
    schema.create_all()
    # Closed now, not whenever the garbage collector gets to it: its pooled connection keeps
    # the file open for writing, and the kernel then refuses the read-only remount ("busy").
    schema.dispose()
    app = web_app(url)
    coach, _org, ids = coach_world(app, n_cases=4)
    client = app.test_client()
    login_as(client, coach.user_id)
    yield app, client, ids
    app.extensions["jobtraject"].db.dispose()


def fill(path: Path) -> int:
    """Write until the file system is full; returns the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as fh:
        for size in (65536, 512):
            try:
                while True:
                    written += fh.write(b"\0" * size)
            except OSError:
                pass
    return written


def evaluate(client, case_id: int, rid: str):
    return client.post(f"/zaken/{case_id}/acties/evaluate", headers={"X-Request-Id": rid})


def test_a_full_disk_gives_a_dutch_503_writes_nothing_and_the_app_recovers_when_space_returns(
    running, small_fs
):
    app, client, ids = running
    db = app.extensions["jobtraject"].db
    with db.engine.connect() as conn:  # start from an empty WAL so the next write must grow a file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = small_fs / "filler"
    filled = fill(filler)
    before = snapshot(db)

    refused = 0
    for i, case_id in enumerate(ids):
        response = evaluate(client, case_id, f"full-{i}")
        assert response.status_code == 503, response.status_code
        page = response.get_data(as_text=True)
        assert "De opslag van het systeem is vol" in page and "probeer het later opnieuw" in page
        assert "Traceback" not in page
        refused += 1
    assert snapshot(db) == before, "nothing half-written"
    assert client.get(f"/zaken/{ids[0]}").status_code == 200, "reading still works"

    filler.unlink()  # space returns; the same app carries on
    acknowledged = []
    for i, case_id in enumerate(ids):
        response = evaluate(client, case_id, f"after-{i}")
        assert response.status_code == 302
        acknowledged.append(f"after-{i}")
    fault_log("disk full", refused_writes=refused, filler_bytes=filled, recovered_writes=len(acknowledged))
    assert_nothing_lost(db, app.extensions["jobtraject"].registry, acknowledged=acknowledged, label="disk full")


def test_a_read_only_file_system_gives_a_dutch_503_and_the_app_recovers_when_writable_again(running, small_fs):
    app, client, ids = running
    db = app.extensions["jobtraject"].db
    before = snapshot(db)
    db.dispose()  # the kernel refuses a read-only remount while files are open for writing
    _mount("-o", "remount,ro", str(small_fs))
    try:
        statuses = []
        for i, case_id in enumerate(ids):
            response = evaluate(client, case_id, f"ro-{i}")
            statuses.append(response.status_code)
            page = response.get_data(as_text=True)
            assert response.status_code == 503
            assert "Er is niets opgeslagen; probeer het" in page and "Traceback" not in page
        page = client.get(f"/zaken/{ids[0]}")
        assert page.status_code in (200, 503), "a read is answered or refused politely, never a 500"
    finally:
        _mount("-o", "remount,rw", str(small_fs))
    assert snapshot(db) == before, "nothing half-written"
    acknowledged = []
    for i, case_id in enumerate(ids):
        assert evaluate(client, case_id, f"rw-{i}").status_code == 302
        acknowledged.append(f"rw-{i}")
    fault_log("read-only file system", refused_writes=len(statuses), recovered_writes=len(acknowledged))
    assert_nothing_lost(db, app.extensions["jobtraject"].registry, acknowledged=acknowledged, label="read-only fs")
    assert os.access(small_fs, os.W_OK)
