"""Jinja filters that show time the Dutch way: `ma 23 nov 2026 14:05`, Europe/Amsterdam."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from engine.clock import ensure_utc
from workflows.domain import invra
from workflows.domain.casework import ALLOWED_TYPES, human_size
from workflows.domain.roles import role_label

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]
MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def nl_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = ensure_utc(value).astimezone(AMSTERDAM).date()
    return f"{DAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def nl_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = ensure_utc(value).astimezone(AMSTERDAM)
    return f"{nl_date(local.date())} {local:%H:%M}"


def nl_time(value: datetime | None) -> str:
    """Only the clock time (14:32), for notices on the day itself."""
    return "—" if value is None else f"{ensure_utc(value).astimezone(AMSTERDAM):%H:%M}"


def doc_kind(content_type: str) -> str:
    """The Dutch label of an accepted file type ('application/pdf' -> 'PDF')."""
    return ALLOWED_TYPES.get(content_type, (content_type, ""))[0]


def init_app(app: Flask) -> None:
    app.jinja_env.filters["nl_time"] = nl_time
    app.jinja_env.filters["doc_kind"] = doc_kind
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.filters["nl_date"] = nl_date
    app.jinja_env.filters["nl_datetime"] = nl_datetime
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.globals["invra_categories"] = invra.CATEGORIES  # named where labels are missing
