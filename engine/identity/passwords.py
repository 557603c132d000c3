"""Password hashing with Argon2id and the password policy (ASVS 5.0 V6.2).

Argon2id with argon2-cffi's RFC 9106 "low memory" defaults (t=3, m=64 MiB, p=4), above
OWASP's minimum (m=19 MiB, t=2). The policy has no composition rules: at least 12 and at
most 128 characters, and not one of the most common passwords (a shipped list of 10,000
plus some Dutch and organisation words), also not with only digits or symbols added.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# A valid hash of a random password: verifying against it when the account does not exist
# takes as long as a real check, so timing does not reveal which accounts exist.
_DUMMY = _hasher.hash("not-a-real-password-8f1c")

_TRIM = re.compile(r"^[\W\d_]+|[\W\d_]+$")
# Runs people type instead of a password: counting up or down, keyboard rows.
_RUNS = ("0123456789" * 14, "9876543210" * 14, "abcdefghijklmnopqrstuvwxyz",
         "qwertyuiopasdfghjklzxcvbnm" * 5, "azertyuiopqsdfghjklmwxcvbn" * 5)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Check a password; with no stored hash, do the same work and say no."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("engine").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Why a new password is refused (Dutch, for the form), or None when it is fine.

    `context` holds words a guesser would try for this user (e-mail name, own name).
    """
    length = len(password)
    if length < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens (een zin van een paar woorden mag ook)."
    if length > MAX_LENGTH:
        return f"Kies een wachtwoord van hoogstens {MAX_LENGTH} tekens."
    folded = unicodedata.normalize("NFKC", password).casefold()
    core = _TRIM.sub("", folded)
    common = common_passwords()
    if folded in common or core in common or len(set(folded)) <= 2 or any(folded in run for run in _RUNS):
        return "Dit wachtwoord is te bekend of te eenvoudig; kies een ander (bijvoorbeeld een zin van een paar woorden)."
    words = {w.casefold() for w in context if w and len(w) >= 3}
    if core in words or folded in words:
        return "Gebruik niet uw naam of e-mailadres als wachtwoord."
    return None


def token_hash(token: str) -> str:
    """SHA-256 hex of a high-entropy secret (calendar links, API tokens, sessions, reset links).

    Such secrets are random, so a fast hash is right for them; passwords use Argon2id above.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
