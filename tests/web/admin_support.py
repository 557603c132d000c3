"""Helpers for the administration page tests: posting a form with its CSRF token, reading rows."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.store.admin_models import AdminAuditEntry
from engine.store.models import Organisation, User

ADMIN = "beheer@job.example"
COORDINATOR = "sanne@job.example"  # a JoB coordinator
TOKEN = re.compile(r'name="([a-z]*-?csrf_token)"[^>]*value="([^"]+)"')


def csrf(client, path: str) -> dict[str, str]:
    """Every CSRF field of the page at `path` (forms with a prefix name theirs differently)."""
    html = client.get(path).get_data(as_text=True)
    return {name: value for name, value in TOKEN.findall(html)}


def post(client, path: str, data: dict, *, form_page: str | None = None):
    return client.post(path, data={**csrf(client, form_page or path), **data})


def org_id(app, name: str) -> int:
    with app.extensions["jobtraject"].db.read() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def user_row(app, email: str) -> User | None:
    with app.extensions["jobtraject"].db.read() as s:
        user = s.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
        if user is not None:
            s.expunge(user)
        return user


def history(app) -> list[AdminAuditEntry]:
    with app.extensions["jobtraject"].db.read() as s:
        rows = s.scalars(select(AdminAuditEntry).order_by(AdminAuditEntry.id)).all()
        s.expunge_all()
        return list(rows)
