"""Migrated databases with the demo loaded, built once per run and copied for each test.

Building one (the migrations, then the demo story through the engine) costs about 1.5 s on
SQLite and 3.5 s on PostgreSQL, more than most tests that use it; a copy costs milliseconds: a
file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL. Every copy holds the same
rows, sealed under the run's master key (`DATA_KEY_FILE`, set once per run in conftest).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import dbs


def build_demo(url: str, *, running_plans: bool) -> None:
    """Migrate the empty database at `url` and load the demo into it, as of T0."""
    from engine.clock import FixedClock
    from tests.helpers import T0
    from webui import create_app
    from webui.migrate import upgrade
    from workflows.demo import load_demo

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"], running_plans=running_plans)
    app.extensions["jobtraject"].db.dispose()


class DemoDatabases:
    """The demo per (database kind, with running plans or not), built on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sources: dict[tuple[str, bool], str] = {}

    def _source(self, kind: str, running_plans: bool) -> str:
        key = (kind, running_plans)
        if key not in self.sources:
            if kind == "sqlite":
                path = self.folder / f"demo-{'plans' if running_plans else 'start'}.db"
                build_demo(f"sqlite:///{path}", running_plans=running_plans)
                with sqlite3.connect(path) as conn:  # everything into the main file: one copy holds it all
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
                self.sources[key] = str(path)
            else:
                url = dbs.create_pg_database()
                build_demo(url, running_plans=running_plans)
                self.sources[key] = url
        return self.sources[key]

    def sqlite_file(self, *, running_plans: bool = False) -> Path:
        """The SQLite source itself, for fixtures that copy it themselves (never write to it)."""
        return Path(self._source("sqlite", running_plans))

    def copy(self, kind: str, folder: Path, *, running_plans: bool = False) -> str:
        """A URL of a new database holding the demo; on PostgreSQL drop it with `dbs.drop_pg_database_soon`."""
        source = self._source(kind, running_plans)
        if kind == "sqlite":
            path = folder / "demo.db"
            shutil.copyfile(source, path)
            return f"sqlite:///{path}"
        name = f"jt_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(dbs.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(source).database}"'))
        finally:
            admin.dispose()
        return make_url(dbs.PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        for (kind, _), source in self.sources.items():
            if kind == "postgresql":
                dbs.drop_pg_database(source)
