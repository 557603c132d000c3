"""A task that stands for an action closes by doing that action, never by a bare 'Afronden':
on the web and on the API alike, for every such task the demo has open. Checklist tasks are
still ticked off by hand, by their assignee or (unassigned) by anyone with the task's role."""

from __future__ import annotations

import html

from sqlalchemy import select

from engine.identity import tokens
from engine.store.models import Case, Task, User
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    MARIEKE,
    SANNE,
    actor,
    csrf,
    post,
    services,
    sign_in,
    state,
    task,
    task_id,
)

BAKERY = "Bakkerij De Korenaar"


def _bakery_plan(app) -> int:
    with services(app).db.read() as s:
        return s.scalar(select(Case.id).where(Case.workflow == "candidate_plan", Case.state != "gepauzeerd")
                        .order_by(Case.id))


def _doers(app) -> list[tuple[int, str, str, str]]:
    """(task id, key, the e-mail of someone who would do it, what the refusal names) per open action-task."""
    svc = services(app)
    out = []
    with svc.db.read() as s:
        rows = s.execute(select(Task, Case).join(Case, Case.id == Task.case_id).where(Task.status == "open")).all()
        for t, case in rows:
            compiled = svc.registry.get(case.workflow, case.workflow_version)
            spec = compiled.task_specs.get(t.key)
            if spec is None or spec.checklist:
                continue
            if t.assignee_id is not None:
                email = s.scalar(select(User.email).where(User.id == t.assignee_id))
            else:
                org = case.organisation_id if t.role in ("opdrachtgever", "harrie") else None
                stmt = select(User.email).where(User.role == t.role, User.active.is_(True)).order_by(User.id)
                email = s.scalar(stmt.where(User.organisation_id == org) if org else stmt)
            action = compiled.actions.get(spec.action) if spec.action else None
            out.append((t.id, t.key, email, f"'{action.label}'" if action else "sluit vanzelf"))
    return out


def test_every_open_action_task_is_refused_a_bare_completion_on_the_web(app, client):
    doers = _doers(app)
    keys = {key.split(":")[0] for _id, key, _e, _n in doers}
    assert {"sign_kandidaat", "name_harrie"} & keys or len(doers) >= 3  # the demo has such tasks open
    before = state(app)
    for tid, key, email, names in doers:
        sign_in(client, email)
        page = client.get("/").get_data(as_text=True)
        assert f"/taken/{tid}/afronden" not in page, key  # the inbox offers no 'Afronden' for it
        r = post(client, f"/taken/{tid}/afronden", follow_redirects=True)
        assert names in html.unescape(r.get_data(as_text=True)), key
        assert task(app, tid).status == "open", key
    assert state(app) == before


def test_every_open_action_task_is_refused_a_bare_completion_on_the_api(app, client):
    svc = services(app)
    before = state(app)
    for tid, key, email, names in _doers(app):
        with svc.db.read() as s:
            uid = s.scalar(select(User.id).where(User.email == email))
        secret = tokens.create_token(svc.db, svc.clock, uid, "test").secret
        r = client.post(f"/api/v1/tasks/{tid}/complete", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 403, (key, r.get_json())
        assert names in r.get_json()["error"]["message"], key
    assert {k: v for k, v in state(app).items() if k != "api_token"} == {
        k: v for k, v in before.items() if k != "api_token"}


def test_the_inbox_button_of_an_action_task_opens_its_case_and_doing_the_action_closes_it(app, client):
    plan_id = _bakery_plan(app)
    svc, sanne = services(app), actor(app, SANNE)
    svc.perform(sanne, plan_id, "update_plan", {"function": "Medewerker", "coaching_need": "Vaste taken",
                                                "onboarding_programme": "Samen met Harrie",
                                                "contact_user_id": actor(app, MARIEKE).user_id})
    start = svc.get_case(sanne, plan_id).data["start_date"]
    svc.perform(sanne, plan_id, "add_goal", {"specific": "Kratten wassen", "measure": "Drie weken zelfstandig",
                                             "target_date": start, "owner": "kandidaat"})
    svc.perform(sanne, plan_id, "offer_for_signature", {"document": "trajectplan"})
    sign_in(client, MARIEKE)
    tid = task_id(app, BAKERY, "sign_opdrachtgever", workflow="candidate_plan")
    case_id = task(app, tid).case_id
    inbox = client.get("/").get_data(as_text=True)
    assert f"/taken/{tid}/afronden" not in inbox
    assert f'href="/zaken/{case_id}/acties/sign">Ondertekenen' in inbox
    round_ = services(app).get_case(actor(app, MARIEKE), case_id).data["signoff"]["round"]
    r = post(client, f"/plannen/{case_id}/tekenen", {"tekenen-party": "opdrachtgever", "tekenen-round": str(round_),
                                                    "tekenen-csrf_token": csrf(client, f"/plannen/{case_id}")})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert task(app, tid).status == "done"
    sign_in(client, SANNE)
    checklist = task_id(app, BAKERY, "support_hr")  # a checklist task keeps 'Afronden'
    assert f"/taken/{checklist}/afronden" in client.get("/").get_data(as_text=True)
