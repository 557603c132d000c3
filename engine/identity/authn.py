"""Authentication use cases: passwords, second factor, sessions, throttling, password reset.

No Flask here: the web layer passes in what the browser sent (e-mail, password, code,
session token, client address) and gets answers. Everything that must hold across several
web processes (sessions, failed attempts, used codes) lives in the database:

- **throttling**: a row per failed attempt (password or code); a login is refused without
  checking anything while an account has `max_account_failures` or an address
  `max_ip_failures` failures within `failure_window`;
- **sessions**: the cookie carries a random token, `user_session` its SHA-256; a session
  ends on logout, on a password change, after `idle_timeout` without requests and
  `absolute_timeout` after login;
- **TOTP** (RFC 6238, 30 s steps, one step of clock drift either way) with replay
  protection, and one-time recovery codes stored hashed;
- **password reset**: a mailed single-use token, stored hashed, valid `reset_valid`; the
  queued mail keeps the link sealed until it is sent (engine/jobs/secret_mail.py).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, func, insert, select, update

from engine.clock import Clock, ensure_utc
from engine.errors import InvalidPayload, NotFound
from engine.identity.one_time_links import password_context, set_password_from_link
from engine.identity.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    token_hash,
    verify_password,
)
from engine.jobs.sealing import Sealer
from engine.jobs.secret_mail import SECRET_PLACEHOLDER, queue_secret_mail
from engine.store.db import Database
from engine.store.models import (
    LoginFailure,
    PasswordResetToken,
    RecoveryCode,
    User,
    UserSession,
)

# Security events: user ids, a short hash of the typed address and the client address;
# never an e-mail address, name, password, code or token.
log = logging.getLogger("jobtraject.auth")

TOTP_STEP = 30
RECOVERY_CODES = 10
ISSUER = "jobtraject"


@dataclass(frozen=True)
class AuthSettings:
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    failure_window: timedelta = timedelta(minutes=15)
    max_account_failures: int = 5
    max_ip_failures: int = 20
    reset_valid: timedelta = timedelta(minutes=30)
    # Roles that must use a second factor (the others may turn it on).
    second_factor_roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SessionUser:
    """The user behind a valid session, detached from the database."""

    user: User
    needs_enrolment: bool


sha256 = token_hash  # session ids, reset links and typed addresses are stored as digests


def account_key(email: str) -> str:
    return sha256(email.strip().lower())


def _normal_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


class Authn:
    def __init__(self, db: Database, clock: Clock, settings: AuthSettings | None = None,
                 sealer: Sealer | None = None) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings or AuthSettings()
        self.sealer = sealer  # seals reset links in queued mail; needed by `request_reset`

    # -- throttling ----------------------------------------------------------------------
    def is_throttled(self, email: str, ip: str) -> bool:
        since = self.clock.now() - self.settings.failure_window
        with self.db.read() as s:
            by_account = s.scalar(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.account == account_key(email), LoginFailure.at > since))
            by_ip = s.scalar(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.ip == ip[:64], LoginFailure.at > since))
        return by_account >= self.settings.max_account_failures or by_ip >= self.settings.max_ip_failures

    def record_failure(self, email: str, ip: str) -> None:
        now = self.clock.now()
        with self.db.write() as s:
            s.add(LoginFailure(at=now, account=account_key(email), ip=ip[:64]))
            # Old rows only slow the count down; drop them on the way.
            s.execute(delete(LoginFailure).where(LoginFailure.at < now - 4 * self.settings.failure_window))

    def _clear_failures(self, email: str) -> None:
        with self.db.write() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.account == account_key(email)))

    # -- step 1: password ------------------------------------------------------------------
    def check_password(self, email: str, password: str, ip: str) -> int | None:
        """The user id when the e-mail address and password match an active account.

        Unknown accounts cost the same work (a dummy hash); throttled attempts are refused
        without looking and recorded as failures too.
        """
        email = email.strip().lower()
        if self.is_throttled(email, ip):
            verify_password(None, password)
            self.record_failure(email, ip)
            log.warning("login blocked: account %s, address %s", account_key(email)[:12], ip)
            return None
        with self.db.read() as s:
            user = s.scalars(select(User).where(func.lower(User.email) == email)).first()
        stored = user.password_hash if user is not None and user.active else None
        if not verify_password(stored, password):
            self.record_failure(email, ip)
            log.info("login failed: account %s, address %s", account_key(email)[:12], ip)
            return None
        if needs_rehash(stored):  # type: ignore[arg-type]
            with self.db.write() as s:
                s.execute(update(User).where(User.id == user.id).values(password_hash=hash_password(password)))
        return user.id  # type: ignore[union-attr]

    def needs_second_factor(self, user_id: int) -> bool:
        """True when the login needs a code (enrolled) or an enrolment (required role)."""
        with self.db.read() as s:
            user = s.get(User, user_id)
            return user is not None and (user.totp_enabled_at is not None or self._required(user))

    def _required(self, user: User) -> bool:
        return user.role in self.settings.second_factor_roles

    def is_enrolled(self, user_id: int) -> bool:
        with self.db.read() as s:
            user = s.get(User, user_id)
            return user is not None and user.totp_enabled_at is not None

    # -- step 2: code ----------------------------------------------------------------------
    def check_code(self, user_id: int, code: str, ip: str) -> bool:
        """A TOTP code (once) or an unused recovery code; failures count towards throttling."""
        now = self.clock.now()
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not user.active or user.totp_enabled_at is None:
                return False
            email = user.email
            throttled = self.is_throttled(email, ip)
            ok = not throttled and (self._accept_totp(user, code, now) or self._use_recovery(s, user, code, now))
        if not ok:
            self.record_failure(email, ip)
            log.info("second step failed: user %s, address %s", user_id, ip)
            return False
        self._clear_failures(email)
        return True

    def _accept_totp(self, user: User, code: str, now: datetime) -> bool:
        digits = _normal_code(code)
        if len(digits) != 6 or not digits.isdigit() or not user.totp_secret:
            return False
        totp = pyotp.TOTP(user.totp_secret)
        step = int(now.timestamp()) // TOTP_STEP
        for candidate in (step - 1, step, step + 1):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                continue  # a code is accepted once, and never one older than the last
            if hmac.compare_digest(totp.at(candidate * TOTP_STEP), digits):
                user.totp_last_step = candidate
                return True
        return False

    def _use_recovery(self, s, user: User, code: str, now: datetime) -> bool:
        norm = _normal_code(code)
        if len(norm) != 10:
            return False
        row = s.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == sha256(norm),
            RecoveryCode.used_at.is_(None))).first()
        if row is None:
            return False
        row.used_at = now
        return True

    def login_succeeded(self, email: str) -> None:
        self._clear_failures(email)

    # -- enrolment -------------------------------------------------------------------------
    def enrolment_secret(self, user_id: int) -> str:
        """The secret being enrolled (a new one unless an unconfirmed one exists)."""
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound("Deze gebruiker bestaat niet.")
            if user.totp_enabled_at is not None:
                raise InvalidPayload({"code": "De tweede stap is al ingesteld."})
            if not user.totp_secret:
                user.totp_secret = pyotp.random_base32(32)
            return user.totp_secret

    @staticmethod
    def provisioning_uri(secret: str, email: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)

    def confirm_enrolment(self, user_id: int, code: str) -> list[str]:
        """Turn the second factor on after a correct code; returns new recovery codes (shown once)."""
        now = self.clock.now()
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not user.totp_secret or user.totp_enabled_at is not None:
                raise InvalidPayload({"code": "Begin opnieuw met het instellen van de tweede stap."})
            if not self._accept_totp(user, code, now):
                raise InvalidPayload({"code": "Deze code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw."})
            user.totp_enabled_at = now
            log.info("second step enrolled: user %s", user_id)
            return self._new_recovery_codes(s, user_id)

    def _new_recovery_codes(self, s, user_id: int) -> list[str]:
        s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
        s.execute(insert(RecoveryCode), [{"user_id": user_id, "code_hash": sha256(c)} for c in codes])
        return [f"{c[:5]}-{c[5:]}" for c in codes]

    def new_recovery_codes(self, user_id: int, password: str) -> list[str]:
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not verify_password(user.password_hash, password):
                raise InvalidPayload({"password": "Uw huidige wachtwoord klopt niet."})
            if user.totp_enabled_at is None:
                raise InvalidPayload({"password": "De tweede stap staat niet aan."})
            return self._new_recovery_codes(s, user_id)

    def recovery_codes_left(self, user_id: int) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(RecoveryCode).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))

    def disable_second_factor(self, user_id: int, password: str) -> None:
        """Only for roles where it is optional, and only with the current password."""
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not verify_password(user.password_hash, password):
                raise InvalidPayload({"password": "Uw huidige wachtwoord klopt niet."})
            if self._required(user):
                raise InvalidPayload({"password": "Voor uw rol is de tweede stap verplicht."})
            user.totp_secret = None
            user.totp_enabled_at = None
            user.totp_last_step = None
            s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
            log.info("second step turned off: user %s", user_id)

    def reset_second_factor(self, email: str) -> int:
        """An administrator's way back for someone who lost both phone and recovery codes:
        the second step is removed and every session ends; enrolment happens at next login."""
        with self.db.write() as s:
            user = s.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
            if user is None:
                raise NotFound("Deze gebruiker bestaat niet.")
            user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
            s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
            s.execute(delete(UserSession).where(UserSession.user_id == user.id))
            log.warning("second step reset by an administrator: user %s", user.id)
            return user.id

    # -- sessions ----------------------------------------------------------------------------
    def start_session(self, user_id: int) -> str:
        """A new session (a fresh random id at every login); returns the cookie token."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.write() as s:
            s.add(UserSession(id_hash=sha256(token), user_id=user_id, created_at=now, last_seen_at=now))
            # Expired sessions of anyone are removed on the way.
            s.execute(delete(UserSession).where(
                (UserSession.last_seen_at < now - self.settings.idle_timeout)
                | (UserSession.created_at < now - self.settings.absolute_timeout)))
        log.info("login: user %s, new session", user_id)
        return token

    def session_user(self, token: str | None) -> SessionUser | None:
        """The user of a live session; an expired or unknown session is None (and removed)."""
        if not token or not isinstance(token, str):
            return None
        now = self.clock.now()
        key = sha256(token)
        with self.db.read() as s:  # one query: the session, its user and the organisation
            found = s.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                              .where(UserSession.id_hash == key)).first()
            if found is None:
                return None
            row, user = found
            expired = (now - ensure_utc(row.last_seen_at) > self.settings.idle_timeout
                       or now - ensure_utc(row.created_at) > self.settings.absolute_timeout)
            stale_touch = now - ensure_utc(row.last_seen_at) > timedelta(seconds=60)
            s.expunge(user)
        if expired or user is None or not user.active:
            self.end_session(token)
            return None
        if stale_touch:  # a write per minute per session, not per request
            with self.db.write() as s:
                s.execute(update(UserSession).where(UserSession.id_hash == key).values(last_seen_at=now))
        return SessionUser(user, self._required(user) and user.totp_enabled_at is None)

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with self.db.write() as s:
            s.execute(delete(UserSession).where(UserSession.id_hash == sha256(token)))

    def end_other_sessions(self, user_id: int, keep_token: str | None = None) -> None:
        with self.db.write() as s:
            stmt = delete(UserSession).where(UserSession.user_id == user_id)
            if keep_token:
                stmt = stmt.where(UserSession.id_hash != sha256(keep_token))
            s.execute(stmt)

    # -- passwords ---------------------------------------------------------------------------
    def change_password(self, user_id: int, current: str, new: str, keep_token: str | None = None) -> None:
        """With the current password; every other session of the user ends."""
        now = self.clock.now()
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not verify_password(user.password_hash, current):
                raise InvalidPayload({"current": "Uw huidige wachtwoord klopt niet."})
            problem = password_problem(new, context=password_context(user))
            if problem:
                raise InvalidPayload({"new": problem})
            user.password_hash = hash_password(new)
            user.password_changed_at = now
            user.session_epoch = (user.session_epoch or 0) + 1
            stmt = delete(UserSession).where(UserSession.user_id == user_id)
            if keep_token:
                stmt = stmt.where(UserSession.id_hash != sha256(keep_token))
            s.execute(stmt)
            s.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == user_id,
                                                       PasswordResetToken.used_at.is_(None)).values(used_at=now))
        log.info("password changed: user %s, other sessions ended", user_id)

    def request_reset(self, email: str, link_for: callable) -> None:  # type: ignore[valid-type]
        """Queue a reset mail if the address belongs to an active account; silent otherwise.

        `link_for(token)` builds the absolute link. The mail is written in the same
        transaction as the token, with the link sealed (the outbox opens it to send the mail).
        Known or not, the address costs the same work up to the two inserts (see below).
        """
        if self.sealer is None:
            raise RuntimeError("Authn needs a sealer (SECRET_KEY) to mail reset links")
        now = self.clock.now()
        # Known or unknown, the same work up to the last two inserts: token, digest, link and
        # text, the lookup, the per-account count and the update (on no rows for a stranger),
        # so the answer's timing does not tell which addresses have an account.
        token = secrets.token_urlsafe(32)
        digest = sha256(token)
        minutes = int(self.settings.reset_valid.total_seconds() // 60)
        link = link_for(token)
        text = (f"U (of iemand anders) vroeg een nieuw wachtwoord aan voor jobtraject.\n\n"
                f"Kies een nieuw wachtwoord via deze link (geldig {minutes} minuten, één keer te gebruiken):\n"
                f"{SECRET_PLACEHOLDER}\n\nVroeg u dit niet aan? Dan kunt u deze mail negeren; uw wachtwoord blijft "
                "hetzelfde.\n")
        with self.db.write() as s:
            user = s.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
            known = user is not None and user.active
            uid = user.id if known else 0  # ids start at 1: the statements below match nothing
            recent = s.scalar(select(func.count()).select_from(PasswordResetToken).where(
                PasswordResetToken.user_id == uid,
                PasswordResetToken.created_at > now - self.settings.failure_window))
            flooded = recent >= 3  # nobody's mailbox is flooded through this form
            # Earlier links end when a new one is sent; when none is sent they stay valid.
            s.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == (0 if flooded else uid),
                                                       PasswordResetToken.used_at.is_(None)).values(used_at=now))
            if not known:
                log.info("password reset asked for an unknown address %s", account_key(email)[:12])
                return
            if flooded:
                log.warning("password reset refused (too many): user %s", user.id)
                return
            log.info("password reset mail queued: user %s", user.id)
            expires_at = now + self.settings.reset_valid
            s.execute(insert(PasswordResetToken), [{"user_id": user.id, "token_hash": digest, "created_at": now,
                                                    "expires_at": expires_at}])
            queue_secret_mail(s, self.sealer, now=now, to_user_id=user.id, to_addr=user.email,
                              subject="Nieuw wachtwoord instellen", body_text=text, secret=link,
                              expires_at=expires_at)

    def reset_token_valid(self, token: str) -> bool:
        with self.db.read() as s:
            return self._reset_row(s, token) is not None

    def _reset_row(self, s, token: str) -> PasswordResetToken | None:
        if not token or len(token) > 200:
            return None
        row = s.scalars(select(PasswordResetToken).where(PasswordResetToken.token_hash == sha256(token))).first()
        if row is None or row.used_at is not None or ensure_utc(row.expires_at) <= self.clock.now():
            return None
        return row

    def reset_password(self, token: str, new: str) -> int:
        """Set a new password with a valid token (used up); every session of the user ends."""
        now = self.clock.now()
        with self.db.write() as s:
            row = self._reset_row(s, token)
            if row is None:
                raise InvalidPayload({"token": "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."})
            user = s.get(User, row.user_id)
            if user is None or not user.active:
                raise InvalidPayload({"token": "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan."})
            set_password_from_link(s, user, new, now)
            row.used_at = now
            log.info("password reset: user %s, every session ended", user.id)
            return user.id

