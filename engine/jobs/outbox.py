"""Send queued mail after commit: leases, a stable Message-ID, retries, incidents.

A mail is an `OutboxMessage` row written in the transaction that caused it, so a rolled
back transition never mails and a committed one always will. The sweep claims messages
with a lease (like timers), sends them over SMTP and marks each one `sent` in its own
small transaction.

Failures are sorted by whose fault they are:
- the SMTP server cannot be reached (or refuses our login): not the message's fault; the
  batch is given back unchanged and tried again later, however long the outage lasts;
- the server answers 4xx to this message: a retry with back-off, `incident` after
  `max_attempts`;
- the server answers 5xx (e.g. unknown recipient): an `incident` at once.

A mail that carries a secret (engine/jobs/secret_mail.py) is opened just before it is sent; a
seal that cannot be opened (another SECRET_KEY) makes it an incident, an expired secret
makes it `expired`: neither is ever sent with a broken link. The secret is removed in the
transaction that marks the mail sent, and each sweep first removes expired secrets.

SMTP cannot be exactly-once: if a worker dies between the server's "250 OK" and our
commit, the message is sent again after the lease expires, with the same Message-ID so
mail clients show it once.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock, ensure_utc
from engine.jobs.sealing import Sealer
from engine.jobs.secret_mail import (
    SecretUnavailable,
    carries_secret,
    clear_expired_secrets,
    fill,
    open_secret,
)
from engine.jobs.workers import (
    backoff,
    claim_batch,
    describe_error,
    make_worker_id,
    reopen_incident,
)
from engine.store.db import Database
from engine.store.models import OutboxMessage

log = logging.getLogger("jobtraject.outbox")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0
    mail_from: str = "jobtraject <noreply@jobtraject.local>"


@dataclass(frozen=True)
class OutboxSettings:
    lease: timedelta = timedelta(minutes=5)
    batch_size: int = 20
    max_attempts: int = 8
    retry_base: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=1)
    unreachable_retry: timedelta = timedelta(minutes=1)


@dataclass
class OutboxReport:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    incidents: int = 0
    released: int = 0
    unreachable: bool = False
    expired: int = 0
    secrets_cleared: int = 0
    errors: list[str] = field(default_factory=list)


class SmtpUnreachable(Exception):
    """Connecting, TLS or login failed: nothing was attempted for any message."""


def build_message(row: OutboxMessage, mail_from: str, secret: str | None = None) -> EmailMessage:
    """Plain text plus (when present) HTML, with the row's own Message-ID and date.

    `secret` (opened from the row's seal) takes the place of the body's placeholder.
    """
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = mail_from
    msg["To"] = row.to_addr
    msg["Date"] = format_datetime(ensure_utc(row.created_at))
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    text, body_html = row.body_text, row.body_html
    if secret is not None:
        text = fill(text, secret)
        body_html = fill(body_html, secret, is_html=True) if body_html else body_html
    msg.set_content(text)
    if body_html:
        msg.add_alternative(body_html, subtype="html")
    return msg


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open an SMTP session (TLS and login as configured) or raise SmtpUnreachable."""
    try:
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnreachable(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


class OutboxSweep:
    """Sends pending mail; safe to run in any number of processes at once."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        smtp: SmtpSettings | None = None,
        settings: OutboxSettings | None = None,
        worker_id: str | None = None,
        connector: Callable[[SmtpSettings], smtplib.SMTP] = connect,
        sealer: Sealer | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.smtp = smtp or SmtpSettings()
        self.settings = settings or OutboxSettings()
        self.worker_id = worker_id or make_worker_id("outbox")
        self.connector = connector
        self.sealer = sealer  # opens secrets in mail (reset links); without it such mails are not sent
        self.envelope_from = parseaddr(self.smtp.mail_from)[1] or "noreply@jobtraject.local"

    def claim(self, limit: int | None = None) -> list[int]:
        now = self.clock.now()
        ready = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
        with self.db.write() as s:
            ids = claim_batch(
                s, OutboxMessage, ready=ready, order_by=(OutboxMessage.id,), worker_id=self.worker_id,
                now=now, lease=self.settings.lease, limit=limit or self.settings.batch_size,
                postgres=not self.db.sqlite,
            )
        return sorted(ids)

    def _owned(self, s: Session, message_id: int) -> OutboxMessage | None:
        stmt = select(OutboxMessage).where(OutboxMessage.id == message_id)
        if not self.db.sqlite:
            stmt = stmt.with_for_update()
        row = s.scalars(stmt).first()
        if row is None or row.status != "claimed" or row.locked_by != self.worker_id:
            return None
        return row

    def release(self, ids: list[int], *, retry_at: datetime | None = None, reason: str | None = None) -> None:
        """Give claimed messages back without counting an attempt."""
        if not ids:
            return
        values: dict[str, object] = {"status": "pending", "locked_by": None, "lease_until": None}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        if reason is not None:
            values["last_error"] = reason
        with self.db.write() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed",
                       OutboxMessage.locked_by == self.worker_id)
                .values(**values)
            )

    def _mark_sent(self, message_id: int) -> None:
        now = self.clock.now()
        with self.db.write() as s:
            row = self._owned(s, message_id)
            if row is None:
                log.warning("mail %s sent after its lease was taken over; it may arrive twice "
                            "(same Message-ID)", message_id)
                return
            row.status = "sent"
            row.sealed_secret = None  # sent: nothing in the table can produce the secret any more
            row.sent_at = now
            row.attempts = (row.attempts or 0) + 1
            row.lease_until = None
            row.next_attempt_at = None

    def _mark_failed(self, message_id: int, exc: BaseException, report: OutboxReport) -> None:
        now = self.clock.now()
        permanent = _is_permanent(exc)
        with self.db.write() as s:
            row = self._owned(s, message_id)
            if row is None:
                return
            row.attempts = (row.attempts or 0) + 1
            row.last_error = describe_error(exc)
            row.lease_until = None
            if permanent or row.attempts >= self.settings.max_attempts:
                row.status = "incident"
                row.next_attempt_at = None
                report.incidents += 1
                log.error("mail %s: incident after %s attempt(s): %s", message_id, row.attempts, type(exc).__name__)
            else:
                row.status = "pending"
                row.locked_by = None
                row.next_attempt_at = now + backoff(row.attempts, self.settings.retry_base, self.settings.retry_max)
                report.retry += 1
                log.warning("mail %s: attempt %s failed (%s), will retry", message_id, row.attempts,
                            type(exc).__name__)

    def _not_sendable(self, message_id: int, problem: SecretUnavailable, report: OutboxReport) -> None:
        """A secret mail whose secret is gone or cannot be opened: never sent with a broken link."""
        with self.db.write() as s:
            row = self._owned(s, message_id)
            if row is None:
                return
            row.lease_until = None
            row.next_attempt_at = None
            row.last_error = str(problem)
            if problem.expired:
                row.status = "expired"
                row.sealed_secret = None
                report.expired += 1
                log.warning("mail %s: its secret expired before it could be sent; not sent", message_id)
            else:
                row.status = "incident"
                report.incidents += 1
                log.error("mail %s: its sealed secret cannot be opened (SECRET_KEY changed?); not sent, incident",
                          message_id)

    def clear_expired_secrets(self) -> int:
        """Remove sealed secrets past their expiry (see engine/jobs/secret_mail.py)."""
        with self.db.write() as s:
            return clear_expired_secrets(s, self.clock.now())

    def _load(self, ids: list[int]) -> list[OutboxMessage]:
        with self.db.read() as s:
            rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))
            s.expunge_all()
        return rows

    def send_batch(self, ids: list[int], report: OutboxReport, stop: threading.Event | None = None) -> bool:
        """Send claimed messages over one SMTP session; False when the server was unreachable."""
        rows = self._load(ids)
        try:
            smtp = self.connector(self.smtp)
        except SmtpUnreachable as exc:
            report.unreachable = True
            report.released += len(ids)
            report.errors.append(str(exc))
            log.warning("SMTP server %s:%s unreachable (%s); %s mail(s) wait", self.smtp.host, self.smtp.port,
                        str(exc).split(":")[0], len(ids))
            self.release(ids, retry_at=self.clock.now() + self.settings.unreachable_retry,
                         reason=f"SMTP-server onbereikbaar: {exc}")
            return False
        try:
            for i, row in enumerate(rows):
                lease_end = ensure_utc(row.lease_until) if row.lease_until else None
                lease_left = (lease_end - self.clock.now()).total_seconds() if lease_end else 0
                if (stop and stop.is_set()) or lease_left < self.smtp.timeout:
                    rest = [r.id for r in rows[i:]]
                    self.release(rest)
                    report.released += len(rest)
                    break
                secret = None
                if carries_secret(row):
                    try:
                        secret = open_secret(self.sealer, row, self.clock.now())
                    except SecretUnavailable as problem:
                        self._not_sendable(row.id, problem, report)
                        continue
                try:
                    smtp.send_message(build_message(row, self.smtp.mail_from, secret), from_addr=self.envelope_from,
                                      to_addrs=[row.to_addr])
                except (OSError, smtplib.SMTPException) as exc:
                    self._mark_failed(row.id, exc, report)
                    # SMTPException is an OSError too: only a lost connection ends the batch.
                    lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
                        exc, smtplib.SMTPException
                    )
                    if lost:
                        rest = [r.id for r in rows[i + 1:]]
                        self.release(rest)
                        report.released += len(rest)
                        return True
                    try:
                        smtp.rset()
                    except (OSError, smtplib.SMTPException):
                        rest = [r.id for r in rows[i + 1:]]
                        self.release(rest)
                        report.released += len(rest)
                        return True
                    continue
                self._mark_sent(row.id)
                report.sent += 1
        finally:
            _quietly_close(smtp)
        return True

    def sweep(self, stop: threading.Event | None = None, max_batches: int = 50) -> OutboxReport:
        """Send batches until nothing is ready, the server is unreachable or `stop` is set."""
        report = OutboxReport()
        report.secrets_cleared = self.clear_expired_secrets()
        for _ in range(max_batches):
            if stop and stop.is_set():
                break
            ids = self.claim()
            if not ids:
                break
            report.claimed += len(ids)
            if not self.send_batch(ids, report, stop):
                break
        return report


# -- queueing and incidents --------------------------------------------------------------

def incidents(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "incident")
                                .order_by(OutboxMessage.id)))


def retry_incident(db: Database, message_id: int, now: datetime) -> None:
    """Give an incident mail a fresh set of attempts, ready now."""
    reopen_incident(db, OutboxMessage, message_id, now, "Er is geen mail-incident met dit nummer.")
