"""Restoring a damaged backup is refused in one Dutch sentence: exit code 1, no traceback, and
the database stays exactly as it was. Run as an operator would: the `jobtraject` command in
its own process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import make_org, make_user, snapshot
from workflows.domain.roles import JOB

JOBTRAJECT = str(Path(sys.executable).parent / "jobtraject")


def _run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "damaged-backup-test"}
    return subprocess.run([JOBTRAJECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 3]


def _garbled(good: bytes) -> bytes:
    data = bytearray(good)
    for i in range(200, len(data), 97):  # header kept readable, pages and schema scrambled
        data[i] ^= 0x5A
    return bytes(data)


def _not_a_backup(_good: bytes) -> bytes:
    return b"Dit is een boodschappenlijst, geen back-up.\n" * 100


@pytest.mark.parametrize("damage", [_truncated, _garbled, _not_a_backup], ids=["truncated", "garbled", "text"])
def test_a_damaged_backup_is_refused_in_one_dutch_sentence_without_a_traceback(db_url, db, tmp_path, damage):
    org = make_org(db, "JoB Jobcoaching", "job")
    make_user(db, org, JOB, "coach@job.example")
    made = _run(db_url, tmp_path, "backup", str(tmp_path / "goed.bak"))
    assert made.returncode == 0, made.stderr
    damaged = tmp_path / "kapot.bak"
    damaged.write_bytes(damage((tmp_path / "goed.bak").read_bytes()))
    before = snapshot(db)

    result = _run(db_url, tmp_path, "restore", "--yes", str(damaged))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Het ") and lines[0].endswith("er is niets teruggezet."), \
        result.stderr
    assert snapshot(db) == before
