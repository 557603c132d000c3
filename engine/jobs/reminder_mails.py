"""What the reminder, escalation and digest mails say (Dutch), apart from when they go.

`ReminderSweep` (engine/jobs/reminders.py) decides who gets which mail and when; this module
holds the vocabulary, the settings and the texts. A mail names tasks and case numbers, never
personal or health data.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.store.models import User
from engine.workdays import AMSTERDAM

NOTIFY_CHOICES: dict[str, str] = {
    "digest": "Alleen de dagelijkse samenvatting",
    "all": "Elke herinnering en de dagelijkse samenvatting",
    "none": "Geen mail",
}

DAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]
MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]

CaseLabeler = Callable[[Session, Sequence[int]], Mapping[int, str]]


def nl_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = ensure_utc(value).astimezone(AMSTERDAM).date()
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def nl_datetime(value: datetime) -> str:
    local = ensure_utc(value).astimezone(AMSTERDAM)
    return f"{nl_date(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class ReminderSettings:
    base_url: str = "http://127.0.0.1:5000"
    case_path: str = "/zaken/{id}"
    settings_path: str = "/meldingen"
    escalation_working_days: int = 3
    digest_hour: int = 7
    digest_max_items: int = 50

    def case_url(self, case_id: int) -> str:
        return self.base_url.rstrip("/") + self.case_path.format(id=case_id)

    @property
    def settings_url(self) -> str:
        return self.base_url.rstrip("/") + self.settings_path


@dataclass
class ReminderReport:
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    mails: int = 0


@dataclass(frozen=True)
class Line:
    """One task in a mail: what the recipient may see of it."""

    title: str
    due_at: datetime | None
    case_id: int
    label: str = ""


@dataclass
class Mail:
    user: User
    subject: str
    text: str
    html: str
    dedupe_key: str


class ReminderTexts:
    """The mail texts; mixed into `ReminderSweep`, which has `settings`."""

    settings: ReminderSettings

    def _case_ref(self, line: Line) -> str:
        return f"zaak #{line.case_id}" + (f" ({line.label})" if line.label else "")

    def _footer(self, user: User) -> tuple[str, str]:
        choice = NOTIFY_CHOICES.get(user.notify, "").lower()
        url = self.settings.settings_url
        text = f"\n--\njobtraject. U ontvangt: {choice}. Wijzigen: {url}\n"
        markup = (f'<p style="color:#555;font-size:90%">jobtraject. U ontvangt: {html.escape(choice)}. '
                  f'<a href="{html.escape(url)}">Wijzigen</a></p>')
        return text, markup

    def _html(self, heading: str, body: str, footer: str) -> str:
        return (f'<!doctype html><html lang="nl"><body style="font-family:sans-serif">'
                f"<h1 style=\"font-size:120%\">{html.escape(heading)}</h1>{body}{footer}</body></html>")

    def _line_text(self, line: Line) -> str:
        due = f" — uiterlijk {nl_date(line.due_at)}" if line.due_at else ""
        return f"- {line.title}{due}\n  {self._case_ref(line)}: {self.settings.case_url(line.case_id)}"

    def _line_html(self, line: Line) -> str:
        due = f" — uiterlijk {html.escape(nl_date(line.due_at))}" if line.due_at else ""
        url = html.escape(self.settings.case_url(line.case_id))
        return (f'<li><a href="{url}">{html.escape(line.title)}</a>{due}'
                f" <span style=\"color:#555\">({html.escape(self._case_ref(line))})</span></li>")

    def _reminder_mail(self, user: User, line: Line, key: str) -> Mail:
        assert line.due_at is not None
        when = nl_datetime(line.due_at)
        subject = f"Herinnering: {line.title} (uiterlijk {nl_date(line.due_at)})"
        url = self.settings.case_url(line.case_id)
        foot_text, foot_html = self._footer(user)
        text = (f"Herinnering\n\nDe taak \"{line.title}\" moet uiterlijk {when} klaar zijn.\n"
                f"{self._case_ref(line).capitalize()}: {url}\n{foot_text}")
        body = (f"<p>De taak <strong>{html.escape(line.title)}</strong> moet uiterlijk {html.escape(when)} "
                f"klaar zijn.</p><p><a href=\"{html.escape(url)}\">Open {html.escape(self._case_ref(line))}</a></p>")
        return Mail(user, subject, text, self._html("Herinnering", body, foot_html), key)

    def _escalation_mail(self, user: User, line: Line, late: int, assigned: bool, key: str) -> Mail:
        assert line.due_at is not None
        who = "toegewezen aan een collega" if assigned else "nog niet toegewezen"  # names stay in the app
        subject = f"Te laat: {line.title} ({late} werkdagen)"
        url = self.settings.case_url(line.case_id)
        foot_text, foot_html = self._footer(user)
        text = (f"Escalatie\n\nDe taak \"{line.title}\" had uiterlijk {nl_date(line.due_at)} klaar moeten zijn "
                f"en staat nog open: {late} werkdagen te laat, {who}.\n"
                f"{self._case_ref(line).capitalize()}: {url}\n{foot_text}")
        body = (f"<p>De taak <strong>{html.escape(line.title)}</strong> had uiterlijk "
                f"{html.escape(nl_date(line.due_at))} klaar moeten zijn en staat nog open: "
                f"<strong>{late} werkdagen te laat</strong>, {html.escape(who)}.</p>"
                f"<p><a href=\"{html.escape(url)}\">Open {html.escape(self._case_ref(line))}</a></p>")
        return Mail(user, subject, text, self._html("Escalatie: taak te laat", body, foot_html), key)

    def _digest_mail(self, user: User, day: date, lines: dict[str, list[Line]], key: str) -> Mail:
        cap = self.settings.digest_max_items
        text_parts: list[str] = [f"Uw taken voor {nl_date(day)}\n"]
        html_parts: list[str] = []
        for name, members in lines.items():
            if not members:
                continue
            heading = f"{name} ({len(members)})"
            text_parts.append(f"\n{heading}\n" + "\n".join(self._line_text(m) for m in members[:cap]))
            items = "".join(self._line_html(m) for m in members[:cap])
            more = ""
            if len(members) > cap:
                text_parts.append(f"\n... en nog {len(members) - cap} meer")
                more = f"<p>... en nog {len(members) - cap} meer</p>"
            html_parts.append(f"<h2 style=\"font-size:105%\">{html.escape(heading)}</h2><ul>{items}</ul>{more}")
        foot_text, foot_html = self._footer(user)
        text_parts.append(f"\n\nInbox: {self.settings.base_url.rstrip('/')}/\n{foot_text}")
        return Mail(user, f"Uw taken voor {nl_date(day)}", "\n".join(text_parts),
                     self._html(f"Uw taken voor {nl_date(day)}", "".join(html_parts), foot_html), key)
