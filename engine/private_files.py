"""Files that hold the database or a copy of it are readable by their owner only, whatever the umask.

The database, its `-wal`/`-shm` files, backups and the instance folder hold personal data
and password hashes; a umask of 022 would leave them world-readable. Files are created
0600 and folders 0700 from the start (no window in which another user could open them);
files of our own that already exist with looser modes are tightened.

SQLite creates `-wal`, `-shm` and `-journal` with the permissions of the database file,
so creating that file 0600 before the first connection covers them too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path | str) -> Path:
    """Create `path` (and missing parents) 0700; an existing folder of ours is tightened."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        folder.chmod(DIR_MODE)  # mkdir's mode passes through the umask
    if path not in missing:
        _tighten(path, DIR_MODE)
    return path


def private_file(path: Path | str) -> Path:
    """Make sure `path` exists as a 0600 file (created so, never briefly readable by others)."""
    path = Path(path)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        os.close(fd)
    _tighten(path, FILE_MODE)  # O_CREAT's mode passes through the umask too (it can only remove bits)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) & ~mode:
            path.chmod(mode)
    except PermissionError:  # not ours to change (e.g. a shared folder); leave it be
        pass


def private_sqlite(path: Path | str) -> None:
    """Before SQLite opens `path`: the file exists 0600, and so do its WAL, SHM and journal."""
    path = Path(path)
    if not path.parent.exists():
        private_dir(path.parent)
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            _tighten(companion, FILE_MODE)
