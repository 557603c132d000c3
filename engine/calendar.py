"""A per-user iCalendar feed of open tasks' due dates, opened by a revocable secret token.

Outlook and other calendar clients subscribe to `/ical/<token>.ics` without logging in, so
the token is the credential: 256 random bits, stored only as its SHA-256, one live token per
user (creating a new one revokes the old), and a revoked or deactivated user's feed is
gone at once. The feed holds what a mail may hold: task title, due date, case number and
link, at most the `case_label` (the candidate's first name); never health or benefit data.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import inbox
from engine.access import AccessPolicy
from engine.clock import Clock, ensure_utc
from engine.errors import NotFound
from engine.identity.passwords import token_hash
from engine.jobs.reminders import CaseLabeler, actor_of
from engine.store.db import Database
from engine.store.models import CalendarToken, User
from engine.workdays import AMSTERDAM

PRODID = "-//JoB//jobtraject//NL"


def create_token(db: Database, clock: Clock, user_id: int) -> str:
    """A new secret for the user's feed; every earlier token stops working."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Deze gebruiker bestaat niet.")
        s.execute(update(CalendarToken).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
                  .values(revoked_at=now))
        s.add(CalendarToken(user_id=user_id, token_hash=token_hash(token), created_at=now))
    return token


def revoke_tokens(db: Database, clock: Clock, user_id: int) -> int:
    """Stop every feed link of the user; returns how many were live."""
    with db.write() as s:
        result = s.execute(
            update(CalendarToken).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )
        return int(result.rowcount or 0)


def has_token(db: Database, user_id: int) -> bool:
    with db.read() as s:
        return s.scalar(select(CalendarToken.id).where(
            CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None)).limit(1)) is not None


def user_for_token(session: Session, token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = session.scalars(select(CalendarToken).where(
        CalendarToken.token_hash == token_hash(token), CalendarToken.revoked_at.is_(None))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    day: date
    summary: str
    description: str
    url: str


def feed_for_token(
    db: Database,
    clock: Clock,
    policy: AccessPolicy,
    token: str,
    case_url: Callable[[int], str],
    case_label: CaseLabeler | None = None,
) -> str | None:
    """The user's open tasks with a due date (own and their role's queue) as iCalendar text."""
    now = clock.now()
    with db.read() as s:
        user = user_for_token(s, token)
        if user is None:
            return None
        actor = actor_of(user)
        items = {i.task_id: i for i in inbox.mine(s, policy, actor)}
        for i in inbox.queue(s, policy, actor):
            items.setdefault(i.task_id, i)
        dated = [i for i in items.values() if i.due_at is not None]
        labels = case_label(s, sorted({i.case_id for i in dated})) if case_label and dated else {}
    events = []
    for item in sorted(dated, key=lambda i: (ensure_utc(i.due_at), i.task_id)):  # type: ignore[arg-type]
        due = ensure_utc(item.due_at)  # type: ignore[arg-type]
        label = labels.get(item.case_id, "")
        ref = f"Zaak #{item.case_id}" + (f" ({label})" if label else "")
        prefix = "TE LAAT: " if due < now else ""
        events.append(FeedEvent(
            uid=f"task-{item.task_id}@jobtraject", day=due.astimezone(AMSTERDAM).date(),
            summary=f"{prefix}{item.title}", description=f"{ref}\n{case_url(item.case_id)}",
            url=case_url(item.case_id),
        ))
    return render_ics(events, now)


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> list[str]:
    """RFC 5545: lines of at most 75 octets, continued with a leading space."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return out


def render_ics(events: list[FeedEvent], now: datetime) -> str:
    stamp = ensure_utc(now).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "X-WR-CALNAME:jobtraject taken", "X-WR-TIMEZONE:Europe/Amsterdam",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{e.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{e.day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(e.summary)}",
            f"DESCRIPTION:{_escape(e.description)}",
            f"URL:{e.url}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{part}\r\n" for line in lines for part in _fold(line))
