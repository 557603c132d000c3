"""Helpers for the inbox, queue, handover and dashboard tests (Flask client, demo data)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update

from engine.clock import ensure_utc
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation, Task, TaskEvent, User
from tests.helpers import snapshot
from workflows.demo import DEMO_PASSWORD

SANNE, AHMED = "sanne@job.example", "ahmed@job.example"
LISA, TOM = "lisa@wsp-nijmegen.example", "tom@wsp-gelderland.example"
MARIEKE, HARRIE = "marieke@korenaar.example", "harrie@korenaar.example"
ADMIN = "beheer@job.example"
DEMO_ROLES = [SANNE, AHMED, LISA, MARIEKE, HARRIE]


def services(app) -> Services:
    return app.extensions["jobtraject"]


def csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def login(client, email: str) -> None:
    """Log in through the login form (slow: the password hash is checked)."""
    r = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf(client)})
    assert r.status_code == 302, r.get_data(as_text=True)


def sign_in(client, email: str) -> None:
    """A real server-side session without the password and code steps (fast); tests/sessions.py."""
    from tests.sessions import sign_in as start_session

    start_session(client, email)


def post(client, path: str, data: dict | None = None, **kw):
    return client.post(path, data={"csrf_token": csrf(client, "/"), **(data or {})}, **kw)


def actor(app, email: str) -> Actor:
    with services(app).db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
        return Actor(user_id=u.id, role=u.role, organisation_id=u.organisation_id, name=u.name)


def user_id(app, email: str) -> int:
    return actor(app, email).user_id  # type: ignore[return-value]


def org_id(app, name: str) -> int:
    with services(app).db.read() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def task_id(app, company: str, key: str, workflow: str | None = None) -> int:
    """The open task `key` on a case of `company` (the first, if the company has several)."""
    with services(app).db.read() as s:
        stmt = (select(Task.id).join(Case, Case.id == Task.case_id)
                .join(Organisation, Organisation.id == Case.organisation_id)
                .where(Organisation.name == company, Task.key == key, Task.status == "open").order_by(Task.id))
        if workflow:
            stmt = stmt.where(Case.workflow == workflow)
        found = s.scalars(stmt).first()
    assert found is not None, (company, key)
    return found


def set_task(app, tid: int, **values) -> None:
    """Arrange a task for a test (due date, assignee) by writing the row directly."""
    with services(app).db.write() as s:
        s.execute(update(Task).where(Task.id == tid).values(**values))


def task(app, tid: int) -> Task:
    with services(app).db.read() as s:
        row = s.get(Task, tid)
        s.expunge(row)
        return row


def events(app, after_demo: bool = True) -> list[tuple]:
    """Task events, without those the demo data itself wrote (its people take tasks too)."""
    with services(app).db.read() as s:
        rows = [tuple(r) for r in s.execute(select(
            TaskEvent.task_id, TaskEvent.kind, TaskEvent.actor_user_id, TaskEvent.from_assignee_id,
            TaskEvent.to_assignee_id, TaskEvent.reason, TaskEvent.at).order_by(TaskEvent.id)).all()]
    demo_end = services(app).clock.now()
    return [r[:-1] for r in rows if not after_demo or ensure_utc(r[-1]) >= demo_end]


def state(app) -> dict:
    """Every engine row plus the task events: to assert that nothing changed."""
    return {**snapshot(services(app).db), "task_event": events(app, after_demo=False)}


def folded(html: str) -> list[str]:
    """The empty groups of Mijn taken, folded into one line ("Geen taken: Vandaag, Later.")."""
    m = re.search(r'<p class="muted empty-groups">Geen taken: ([^<]*)\.</p>', html)
    parked = '<p class="muted empty-groups">Geen taken die u later wilt terugzien.</p>' in html
    return (m.group(1).split(", ") if m else []) + (["Later terugzien"] if parked else [])


def section(html: str, heading: str) -> str:
    """The HTML of the <section> whose <h2> starts with `heading` ("" for an empty, folded group)."""
    for part in html.split("<section")[1:]:
        body = part.split("</section>")[0]
        m = re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S)
        if m and re.sub(r"<[^>]+>", "", m.group(1)).strip().startswith(heading):
            return body
    if heading in folded(html):
        return ""
    raise AssertionError(f"no section {heading!r}")


def heading_count(html: str, heading: str) -> int:
    m = re.search(r"<h2[^>]*>" + re.escape(heading) + r' <span class="count[^"]*">(\d+)</span>', html)
    if m is None and heading in folded(html):
        return 0
    assert m, heading
    return int(m.group(1))


def nav(html: str) -> str:
    """The main menu bar (the wide-screen one; the phone's menu holds the same links)."""
    return html.split('<nav class="utrecht-nav-bar job-nav-bar" aria-label="Hoofdmenu">')[1].split("</nav>")[0]


def nav_counts(html: str) -> tuple[int, int, str]:
    """(my open tasks, of those late, the queue's label) as the menu shows them."""
    menu = nav(html)
    mine = re.search(r'Mijn taken <span class="utrecht-badge-counter job-count">(\d+)<', menu)
    late = re.search(r'job-count--late">(\d+) te laat<', menu)
    queue = re.search(r'Wachtrij <span class="utrecht-badge-counter job-count">([^<]+)<', menu)
    assert mine and queue, menu
    return int(mine.group(1)), int(late.group(1)) if late else 0, queue.group(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
