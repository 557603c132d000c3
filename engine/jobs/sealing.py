"""Sealed secrets: authenticated encryption (AES-256-GCM) under a key derived from SECRET_KEY.

Why: a secret that must wait in the database before it is used (a password-reset link
in a queued mail) would otherwise be readable by anyone who reads the database, a
backup or a WAL segment. Sealed, it can only be opened by a process that knows
SECRET_KEY, and only for the row it was sealed for.

- The key is HKDF-SHA256(SECRET_KEY, info=purpose): one SECRET_KEY yields a distinct key
  per purpose, so the mail key is not the key that signs cookies.
- `context` is authenticated but not stored in the ciphertext (AES-GCM's associated
  data): a sealed value copied to another row (another recipient) does not open.
- A changed SECRET_KEY or a changed byte makes `open` raise `SealBroken`; it never
  returns a wrong secret.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"  # the format: version byte, 12-byte nonce, ciphertext with its 16-byte tag
NONCE_BYTES = 12
MAIL_PURPOSE = b"jobtraject/outbox-secret/v1"


class SealBroken(Exception):
    """The sealed value cannot be opened: another SECRET_KEY, another row, or changed bytes."""


def derive_key(secret_key: str | bytes, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose, derived from the application's SECRET_KEY."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    if not material:
        raise ValueError("SECRET_KEY is empty: nothing can be sealed")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


class Sealer:
    """Seals and opens short texts for one purpose."""

    def __init__(self, secret_key: str | bytes, purpose: bytes) -> None:
        self._aead = AESGCM(derive_key(secret_key, purpose))

    def seal(self, plaintext: str, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def open(self, sealed: bytes, context: bytes) -> str:
        sealed = bytes(sealed)  # PostgreSQL's driver hands bytea back as memoryview
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
            raise SealBroken("unknown format")
        nonce, body = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, context).decode()
        except InvalidTag as exc:
            raise SealBroken("authentication failed") from exc


def mail_sealer(secret_key: str | bytes) -> Sealer:
    """The sealer for secrets in queued mail (reset links, invitations)."""
    return Sealer(secret_key, MAIL_PURPOSE)
