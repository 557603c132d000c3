"""A private PostgreSQL 15 cluster for tests that stop and restart the server.

The shared server on 5432 is never touched: `initdb` into a temporary folder as the
`postgres` OS user, started on a free loopback port with its socket in that folder.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import dbs
from tests.smtp import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class PrivatePostgres:
    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str, timeout: float = 60) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        cmd = ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data),
               "-l", str(self.base / "server.log"), "-o", options, "-w", "-t", "60", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            log = (self.base / "server.log").read_text()[-2000:] if (self.base / "server.log").exists() else ""
            raise AssertionError(f"pg_ctl {' '.join(args)} failed: {result.stderr}\n{log}")

    def start(self) -> None:
        self.ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self.ctl("restart", "-m", mode)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    if dbs.SKIP_PG:
        pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 server binaries not found in {PG_BIN} (Debian package postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="jobtraject-pg-"))
    shutil.chown(base, "postgres", "postgres")
    pg = PrivatePostgres(base, free_port())
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(pg.data), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed (tests run as root and use the postgres OS user): {result.stderr[-1000:]}")
    pg.start()
    try:
        yield pg
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(pg.data),
                        "stop", "-m", "immediate"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
