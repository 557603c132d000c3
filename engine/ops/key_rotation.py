"""`jobtraject keys rotate`: every data key re-wrapped under a new master key, online.

One transaction re-wraps the data keys and rebuilds the blind name index (its key is
derived from the master key). The new key file is written atomically before the commit;
the old one stays beside it as a dated 0600 file until the commit succeeded, and is put
back if it did not. Other processes still holding the old key re-read the file when a data
key no longer opens with it (`Keyring`).
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from engine.store import crypto
from engine.store import personal_data as sealing
from engine.store.db import Database


def rotate(db: Database, now: datetime, *, subjects: type | None = None, new_key: bytes | None = None) -> int:
    """Re-wrap all data keys under a new master key; returns how many. `subjects`: the model
    whose `__sealed_index__` names feed the blind index (the candidate), rebuilt here."""
    master = db.master_key
    path = master.path
    old, new = master.get(), new_key or secrets.token_bytes(32)
    kept = path.with_name(f"{path.name}.{now:%Y%m%d%H%M%S}.old")
    shutil.copyfile(path, kept)
    os.chmod(kept, 0o600)
    try:
        with db.write() as s:
            names: dict[int, list[str | None]] = {}
            if subjects is not None:
                for row in s.scalars(select(subjects)):
                    names[row.id] = [getattr(row, a) for a in subjects.__sealed_index__]  # type: ignore[attr-defined]
            rows = s.execute(select(sealing.DataKey.subject_id, sealing.DataKey.wrapped)).all()
            for subject_id, wrapped in rows:
                data_key = crypto.unwrap(old, subject_id, wrapped)
                s.execute(update(sealing.DataKey).where(sealing.DataKey.subject_id == subject_id).values(
                    wrapped=crypto.wrap(new, subject_id, data_key), master_id=crypto.fingerprint(new)))
            keyed = {r[0] for r in rows}
            for subject_id, words in names.items():
                if subject_id in keyed:
                    sealing.reindex(s, subject_id, words, new)
            crypto.replace_key_file(path, new)
            master.set(new)
    except BaseException:
        crypto.replace_key_file(path, old)
        master.set(old)
        raise
    finally:
        if crypto.read_key_file(path) == new:
            Path(kept).unlink(missing_ok=True)
    return len(rows)
