"""A small world for the tests of secrets in mail: one opdrachtgever, the real app, real SMTP.

Also the scanners: every table (whatever its columns), the SQLite file and its WAL,
PostgreSQL's files of the database and its newest WAL segments, and a backup.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from engine.clock import FixedClock
from engine.identity.passwords import hash_password
from engine.ops.backup import backup
from engine.store.db import Database
from engine.store.models import OutboxMessage, User
from tests.helpers import T0, make_org, make_user
from tests.smtp import SmtpServer
from webui import create_app
from workflows.domain.roles import OPDRACHTGEVER

SECRET_KEY = "de-geheime-sleutel-van-de-test"
EMAIL = "marieke@korenaar.example"
PASSWORD = "een-lang-wachtwoord-voor-de-test"
NEW_PASSWORD = "mijn nieuwe lange wachtzin"
LINK = re.compile(r"http://jobtraject\.test(/wachtwoord-herstellen/(\S+))")


def make_app(db_url: str, smtp: SmtpServer, clock: FixedClock | None = None, secret_key: str = SECRET_KEY):
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": secret_key, "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SMTP_HOST": smtp.host, "SMTP_PORT": smtp.port,
                       "SMTP_TIMEOUT": 2, "BASE_URL": "http://jobtraject.test"}, clock=clock or FixedClock(T0))


def add_opdrachtgever(db: Database) -> int:
    user = make_user(db, make_org(db), OPDRACHTGEVER, EMAIL, "Marieke Jansen")
    with db.write() as s:
        s.get(User, user.user_id).password_hash = hash_password(PASSWORD)
    return user.user_id


def ask_reset(app) -> None:
    response = app.test_client().post("/wachtwoord-vergeten", data={"email": EMAIL})
    assert response.status_code == 302


def outbox(db: Database) -> list[OutboxMessage]:
    with db.read() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        s.expunge_all()
    return rows


def every_table(db: Database) -> str:
    """Every row of every table in the database (also those the models do not know), as text."""
    names = inspect(db.engine).get_table_names()
    dump = []
    with db.engine.connect() as conn:
        for name in names:
            dump.extend(map(repr, conn.execute(text(f'SELECT * FROM "{name}"')).all()))  # noqa: S608
    return "\n".join(dump)


def sqlite_files(db: Database) -> bytes:
    path = Path(make_url(db.url).database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def postgres_files(db: Database) -> bytes | None:
    """The database's heap, index and TOAST files after a CHECKPOINT, and the newest two WAL
    segments; None when this process may not read the server's data directory."""
    with db.engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        data_dir = Path(conn.scalar(text("SHOW data_directory")))
        oid = conn.scalar(text("SELECT oid FROM pg_database WHERE datname = current_database()"))
        wal_now = conn.scalar(text("SELECT pg_walfile_name(pg_current_wal_lsn())"))
    base, wal_dir = data_dir / "base" / str(oid), data_dir / "pg_wal"
    try:
        files = sorted(p for p in base.iterdir() if p.is_file())
        segments = sorted(p for p in wal_dir.iterdir() if len(p.name) == 24 and p.name <= wal_now)[-2:]
        return b"".join(p.read_bytes() for p in files + segments)
    except PermissionError:
        return None


def backup_contents(db: Database, target: Path) -> bytes:
    """A backup made with the engine's `backup`, as bytes one can search (pg_dump's custom
    format is compressed: pg_restore turns it back into plain SQL with every row)."""
    backup(db, target)
    if db.sqlite:
        return target.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(target)], capture_output=True, check=True).stdout
