"""Backup and restore of the whole database (`jobtraject backup PATH`, `jobtraject restore PATH`).

- SQLite: the online backup API copies a consistent snapshot while the application keeps
  running; the copy is checked with `PRAGMA integrity_check` before it replaces PATH.
  Restoring copies the file back into the live database with the same API (stop `serve`
  and `worker` first: a restore replaces everything they would write meanwhile).
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot) and
  `pg_restore --clean --single-transaction` (all or nothing).

Erasures made after a backup must survive a restore. Erasure code records each erasure in
an `erasure_log` table (`id` primary key); `restore` reads that log before overwriting, and
afterwards puts back the entries the backup lacks and calls `reapply(session, entries)` in
one transaction, so the erased people are erased again before anyone sees the data. When
such entries exist and no `reapply` is given, the restore is refused before it starts.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engine.private_files import private_dir, private_file
from engine.store.db import Database

log = logging.getLogger(__name__)

ERASURE_LOG = "erasure_log"
Reapply = Callable[[Session, list[dict[str, Any]]], None]


DAMAGED = "Het back-upbestand is beschadigd of geen back-up van jobtraject; er is niets teruggezet."


class BackupError(Exception):
    """A backup or restore could not be made; the message is Dutch and names no data."""


@dataclass(frozen=True)
class RestoreResult:
    reapplied_erasures: int


# -- SQLite ----------------------------------------------------------------------------------

def _sqlite_path(db: Database) -> str:
    path = make_url(db.url).database
    if not path or path == ":memory:":
        raise BackupError("Een database in het geheugen kan niet worden geback-upt.")
    return path


def _integrity(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]


def _sqlite_backup(db: Database, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # 0600 from the start; SQLite's journal beside it follows this mode
    live = sqlite3.connect(_sqlite_path(db), timeout=30)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)  # one step: a snapshot, however busy the writers
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if _integrity(copy) != ["ok"]:
            raise BackupError("De kopie is niet in orde (integrity_check); er is geen back-up gemaakt.")
    finally:
        copy.close()
        live.close()
    os.replace(partial, target)


def _check_sqlite_backup(src: sqlite3.Connection) -> None:
    """Refuse a damaged file before anything is replaced (a garbled header or schema makes
    SQLite raise rather than report, so that counts as damaged too)."""
    try:
        intact = _integrity(src) == ["ok"]
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")} if intact else set()
    except sqlite3.DatabaseError:
        intact = False
    if not intact:
        raise BackupError(DAMAGED)
    if "wf_case" not in tables:
        raise BackupError("Dit bestand is geen back-up van jobtraject; er is niets teruggezet.")


def _sqlite_restore(db: Database, source: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_sqlite_backup(src)
        db.dispose()
        live = sqlite3.connect(_sqlite_path(db), timeout=30)
        try:
            src.backup(live)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
    finally:
        src.close()
    db.dispose()


# -- PostgreSQL ------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"Het programma {name} is niet gevonden; installeer de PostgreSQL-clienttools.")
    return found


def _pg_target(db: Database) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes into the environment."""
    url = make_url(db.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what: str, message: str | None = None) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        # stderr of the PostgreSQL tools names objects, not row data.
        detail = " ".join(result.stderr.split())[-500:]
        if message is not None:
            log.debug("%s failed: %s", what, detail)  # the operator sees one sentence
        raise BackupError(message or f"{what} is mislukt: {detail}")


def _pg_backup(db: Database, target: Path) -> None:
    dsn, env = _pg_target(db)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # pg_dump truncates and keeps the mode
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", dsn], env, "pg_dump")
    os.replace(partial, target)


def _pg_restore(db: Database, source: Path) -> None:
    dsn, env = _pg_target(db)
    _run([_pg_tool("pg_restore"), "--list", str(source)], env, "pg_restore --list", DAMAGED)
    db.dispose()
    # One transaction: an archive that breaks halfway leaves the database as it was.
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", f"--dbname={dsn}", str(source)], env, "pg_restore",
         "Het terugzetten is halverwege mislukt; er is niets teruggezet.")
    db.dispose()


# -- erasures survive a restore --------------------------------------------------------------

def _erasure_log(db: Database) -> tuple[Table | None, list[dict[str, Any]]]:
    if not inspect(db.engine).has_table(ERASURE_LOG):
        return None, []
    table = Table(ERASURE_LOG, MetaData(), autoload_with=db.engine)
    with db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]
    return table, rows


def _reapply_erasures(db: Database, before: list[dict[str, Any]], reapply: Reapply | None) -> int:
    table, restored = _erasure_log(db)
    if not before:
        return 0
    known = {r["id"] for r in restored}
    missing = [r for r in before if r["id"] not in known]
    if not missing:
        return 0
    if table is None or reapply is None:
        raise BackupError("De back-up mist gewiste personen, maar ze kunnen niet opnieuw worden gewist.")
    with db.write() as s:
        s.execute(insert(table), missing)
        reapply(s, missing)
    return len(missing)


# -- the two operations ----------------------------------------------------------------------

def backup(db: Database, target: Path | str) -> Path:
    """Write a consistent copy of the whole database to `target` (replaced only when complete)."""
    target = Path(target).resolve()
    if not target.parent.exists():
        private_dir(target.parent)
    if db.sqlite:
        _sqlite_backup(db, target)
    else:
        _pg_backup(db, target)
    return target


def restore(db: Database, source: Path | str, reapply: Reapply | None = None) -> RestoreResult:
    """Replace the whole database by the backup in `source`, then re-apply later erasures."""
    source = Path(source).resolve()
    if not source.is_file():
        raise BackupError(f"Het back-upbestand {source} bestaat niet.")
    _table, erasures = _erasure_log(db)
    if erasures and reapply is None:
        raise BackupError("Er zijn wissingen vastgelegd, maar geen manier om ze opnieuw toe te passen; "
                          "er is niets teruggezet.")
    if db.sqlite:
        _sqlite_restore(db, source)
    else:
        _pg_restore(db, source)
    return RestoreResult(reapplied_erasures=_reapply_erasures(db, erasures, reapply))
