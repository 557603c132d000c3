"""Crypto-shredding primitives: the master key file, data keys, sealed values, blind index.

Personal data of a subject (a candidate) is sealed with AES-GCM under that subject's own
256-bit data key. Data keys are stored wrapped (AES-GCM) under a master key that lives in a
file outside the database (`DATA_KEY_FILE`). Destroying a subject's wrapped data key makes
every copy of its sealed values unreadable: old database pages, WAL segments and backups.

A sealed value is text, `jt1:<subject id>:<base64 nonce+ciphertext>`; the subject id lets a
reader find the key, the associated data (table and column) stops a value from being moved
to another column or subject unnoticed. No key, nor any plaintext, is ever logged here.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "jt1:"
DEFAULT_KEY_FILE = "instance/data_key"
_NONCE = 12


class MasterKeyError(Exception):
    """The master key file is missing, unreadable or not the key the data keys were wrapped with."""


def key_file_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """DATA_KEY_FILE, else `instance/data_key` (relative to the working directory)."""
    return Path(explicit or os.environ.get("DATA_KEY_FILE") or DEFAULT_KEY_FILE)


def _write_new(path: Path, key: bytes) -> None:
    """Create the file 0600 whatever the umask; fail if it exists (O_EXCL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, base64.b64encode(key) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def read_key_file(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise MasterKeyError(f"De sleutel in {path} is niet te lezen.") from exc
    if len(key) != 32:
        raise MasterKeyError(f"De sleutel in {path} is geen 256-bit sleutel.")
    return key


def load_or_create(path: Path) -> bytes:
    """The master key in `path`, created (random, 0600) on first use."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: read theirs
            _write_new(path, secrets.token_bytes(32))
    return read_key_file(path)


def replace_key_file(path: Path, key: bytes) -> None:
    """Write `key` to `path` atomically (a 0600 temporary file renamed over it)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_new(tmp, key)
    os.replace(tmp, path)


def fingerprint(master: bytes) -> str:
    """Which master key wrapped a data key (not the key: an HMAC of a constant under it)."""
    return hmac.new(master, b"jobtraject master key id", hashlib.sha256).hexdigest()[:16]


def _wrap_aad(subject_id: int) -> bytes:
    return f"jobtraject data key:{subject_id}".encode()


def wrap(master: bytes, subject_id: int, data_key: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(master).encrypt(nonce, data_key, _wrap_aad(subject_id))


def unwrap(master: bytes, subject_id: int, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master).decrypt(bytes(wrapped[:_NONCE]), bytes(wrapped[_NONCE:]), _wrap_aad(subject_id))
    except InvalidTag as exc:
        raise MasterKeyError("Deze datasleutel hoort niet bij de hoofdsleutel (DATA_KEY_FILE).") from exc


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(data_key: bytes, subject_id: int, aad: str, plaintext: str) -> str:
    nonce = secrets.token_bytes(_NONCE)
    blob = nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), f"{aad}:{subject_id}".encode())
    return f"{PREFIX}{subject_id}:{base64.b64encode(blob).decode('ascii')}"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def subject_of(token: str) -> int | None:
    """The subject id written in a sealed value, None when it is not one."""
    head, _, _ = token[len(PREFIX):].partition(":")
    return int(head) if token.startswith(PREFIX) and head.isdigit() else None


def open_sealed(data_key: bytes, aad: str, token: str) -> str:
    subject_id = subject_of(token)
    blob = base64.b64decode(token.split(":", 2)[2])
    return AESGCM(data_key).decrypt(blob[:_NONCE], blob[_NONCE:], f"{aad}:{subject_id}".encode()).decode("utf-8")


# -- blind index: exact-name lookup without the names ------------------------------------------
def blind_key(master: bytes) -> bytes:
    """The index key, derived from the master key (so it never sits in the database)."""
    return hmac.new(master, b"jobtraject blind index v1", hashlib.sha256).digest()


def name_tokens(*texts: str | None) -> set[str]:
    """Normalised words of a name: lower case, accents dropped ("Özil" = "ozil"), 2+ letters."""
    out: set[str] = set()
    for text in texts:
        plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
        out.update(t for t in re.split(r"[^a-z0-9]+", plain) if len(t) >= 2)
    return out


def blind_digests(index_key: bytes, tokens: Iterable[str]) -> set[str]:
    return {hmac.new(index_key, t.encode(), hashlib.sha256).hexdigest() for t in tokens}


@dataclass
class MasterKey:
    """The master key of one process, read from its file when first needed."""

    path: Path
    _key: bytes | None = field(default=None, repr=False)

    def get(self) -> bytes:
        if self._key is None:
            self._key = load_or_create(self.path)
        return self._key

    def set(self, key: bytes) -> None:
        self._key = key

    def reload(self) -> None:
        self._key = read_key_file(self.path)

    def __repr__(self) -> str:  # never the key
        return f"MasterKey({str(self.path)!r})"


_MASTERS: dict[Path, MasterKey] = {}
SESSION_INFO = "jobtraject.master"  # Session.info key: the MasterKey of the session's database


def master_for(path: str | os.PathLike[str] | None = None) -> MasterKey:
    """One MasterKey object per key file and process (read from the file when first needed)."""
    p = key_file_path(path).resolve()
    if p not in _MASTERS:
        _MASTERS[p] = MasterKey(p)
    return _MASTERS[p]
