"""Helpers for the case-page tests: find demo cases, post an action's form as a browser would."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from engine.store.models import AuditEntry, Case, Organisation, User
from workflows.storage.models import Candidate

DEMO_COMPANIES = ("Bakkerij De Korenaar", "Hoveniersbedrijf Groen & Zo", "Logistiek Centrum Arnhem",
                  "Zorgcentrum De Linde", "Tuincentrum De Bongerd", "Drukkerij Het Gulden Boek")
JOB = "sanne@job.example"
WSP_NIJMEGEN = "lisa@wsp-nijmegen.example"
WSP_GELDERLAND = "tom@wsp-gelderland.example"
EMPLOYER_KORENAAR = "marieke@korenaar.example"
HARRIE_KORENAAR = "harrie@korenaar.example"
EMPLOYER_BONGERD = "ingrid@debongerd.example"
EMPLOYER_LCA = "fatima@lca.example"


def db(app):
    return app.extensions["jobtraject"].db


def case_of(app, company: str) -> int:
    with db(app).read() as s:
        return s.scalar(select(Case.id).join(Organisation, Organisation.id == Case.organisation_id)
                        .where(Organisation.name == company, Case.parent_id.is_(None)))


def org_of(app, company: str) -> int:
    with db(app).read() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == company))


def user_id(app, email: str) -> int:
    with db(app).read() as s:
        return s.scalar(select(User.id).where(User.email == email))


def candidate_id(app, first_name: str) -> int:
    with db(app).read() as s:
        return next(c.id for c in s.scalars(select(Candidate)) if c.first_name == first_name)  # sealed


def case_row(app, case_id: int) -> tuple[str, int, int, dict]:
    """(state, version, audit rows, data): what must not change when an action is refused."""
    with db(app).read() as s:
        case = s.get(Case, case_id)
        n = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.case_id == case_id))
        return case.state, case.version, n, dict(case.data)


def any_csrf(html: str) -> str:
    """A CSRF token from any form on the page (tokens belong to the session, not to one form)."""
    return re.search(r'csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def version_on_page(html: str) -> int:
    return int(re.search(r'expected_version" type="hidden" value="(\d+)"', html).group(1))


def post_action(client, case_id: int, trigger: str, fields: dict[str, Any] | None = None, *,
                version: int | None = None, csrf: bool = True, reason: str | None = None, confirmed: bool = True):
    """Post one action's form with its prefixed field names, as the browser sends it; `confirmed`:
    as from the confirmation page of an irreversible step (tests/web/test_action_pages.py tests it)."""
    html = client.get(f"/zaken/{case_id}").get_data(as_text=True)
    data: dict[str, Any] = {f"{trigger}-{k}": v for k, v in (fields or {}).items()}
    data[f"{trigger}-expected_version"] = str(version if version is not None else version_on_page(html))
    if reason is not None:
        data[f"{trigger}-why"] = reason
    if csrf:
        data[f"{trigger}-csrf_token"] = any_csrf(html)
    if confirmed:
        data["bevestigd"] = "1"
    return client.post(f"/zaken/{case_id}/acties/{trigger}", data=data)


def case_pages(client, case_id: int) -> str:
    """A company case's overview and its sub-pages (records; notes, documents and history), one
    after the other: what the case shows."""
    pages = [client.get(f"/zaken/{case_id}"), client.get(f"/zaken/{case_id}/gegevens"),
             client.get(f"/zaken/{case_id}/notities")]
    assert all(r.status_code == 200 for r in pages), [r.status_code for r in pages]
    return "\n".join(text(r) for r in pages)


def text(resp) -> str:
    return resp.get_data(as_text=True)


def plain(html: str) -> str:
    """The page's text without tags, whitespace collapsed: what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&amp;", "&")
