"""Mails that carry a secret (a password-reset link, later an invitation): sealed at rest.

The row keeps the body with `SECRET_PLACEHOLDER` where the secret goes, and the secret
itself sealed in `sealed_secret` (engine/jobs/sealing.py), bound to the row's Message-ID and
recipient. The outbox opens it only to send the mail, and removes it in the transaction
that marks the mail sent. A secret that was not sent before `secret_expires_at` is
removed by the outbox sweep and its mail is marked `expired` (a late link would not work
anyway). So at no moment does a table, a WAL segment or a backup hold the secret in
clear, and after sending or expiry nothing in the database can produce it.
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.jobs.sealing import SealBroken, Sealer
from engine.store.models import OutboxMessage

SECRET_PLACEHOLDER = "{{secret}}"
EXPIRED_REASON = "Het geheim in deze mail is verlopen voordat de mail verstuurd kon worden; niet verstuurd."
BROKEN_REASON = ("Het geheim in deze mail kan niet worden geopend (is SECRET_KEY gewijzigd?); niet verstuurd. "
                 "De gebruiker kan een nieuwe link aanvragen.")


class SecretUnavailable(Exception):
    """The secret of a mail cannot be put in it; `expired` tells why (else: the seal is broken)."""

    def __init__(self, expired: bool) -> None:
        super().__init__(EXPIRED_REASON if expired else BROKEN_REASON)
        self.expired = expired


def _context(message_id: str, to_addr: str) -> bytes:
    """What the seal is bound to: a sealed value moved to another row or recipient does not open."""
    return f"outbox\n{message_id}\n{to_addr.strip().lower()}".encode()


def secret_mail_values(
    sealer: Sealer, *, now: datetime, to_user_id: int | None, to_addr: str, subject: str, body_text: str,
    secret: str, expires_at: datetime, body_html: str | None = None, dedupe_key: str | None = None,
) -> dict[str, Any]:
    """The column values of a pending outbox row whose secret is sealed.

    `body_text` (and `body_html`, if any) must contain `SECRET_PLACEHOLDER` where the secret
    goes; the secret itself never enters a column in clear.
    """
    if SECRET_PLACEHOLDER not in body_text or (body_html is not None and SECRET_PLACEHOLDER not in body_html):
        raise ValueError("a secret mail's body needs the placeholder where the secret goes")
    if secret in body_text or (body_html is not None and secret in body_html):
        raise ValueError("the secret is in the body in clear")
    message_id = f"<{uuid.uuid4().hex}@jobtraject>"
    return {
        "created_at": now, "to_user_id": to_user_id, "to_addr": to_addr, "subject": subject,
        "body_text": body_text, "body_html": body_html, "message_id": message_id, "dedupe_key": dedupe_key,
        "status": "pending", "attempts": 0, "next_attempt_at": now,
        "sealed_secret": sealer.seal(secret, _context(message_id, to_addr)), "secret_expires_at": expires_at,
    }


def queue_secret_mail(session: Session, sealer: Sealer, **values: Any) -> None:
    """Queue a mail with a sealed secret in the caller's transaction (see `secret_mail_values`)."""
    session.execute(insert(OutboxMessage), [secret_mail_values(sealer, **values)])


def carries_secret(row: OutboxMessage) -> bool:
    return row.secret_expires_at is not None


def open_secret(sealer: Sealer | None, row: OutboxMessage, now: datetime) -> str:
    """The secret of `row`, to be put in the mail just before it goes out."""
    if row.sealed_secret is None or ensure_utc(row.secret_expires_at) <= now:
        raise SecretUnavailable(expired=True)
    if sealer is None:
        raise SecretUnavailable(expired=False)
    try:
        return sealer.open(row.sealed_secret, _context(row.message_id, row.to_addr))
    except SealBroken as exc:
        raise SecretUnavailable(expired=False) from exc


def fill(body: str, secret: str, *, is_html: bool = False) -> str:
    """The body with the secret in place of the placeholder (escaped in HTML)."""
    return body.replace(SECRET_PLACEHOLDER, html.escape(secret) if is_html else secret)


def clear_expired_secrets(session: Session, now: datetime) -> int:
    """Remove every sealed secret past its expiry; unsent mails that needed it become `expired`.

    Returns the number of secrets removed. A mail being sent right now (claimed) keeps its
    status: its sender checks the expiry itself before sending.
    """
    due = (OutboxMessage.sealed_secret.is_not(None), OutboxMessage.secret_expires_at <= now)
    session.execute(
        update(OutboxMessage)
        .where(*due, OutboxMessage.status.in_(("pending", "incident")))
        .values(status="expired", next_attempt_at=None, last_error=EXPIRED_REASON)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(OutboxMessage).where(*due).values(sealed_secret=None).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
