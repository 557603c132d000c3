"""Access control over every route (ASVS 5.0 V8, V3.5): every view declares its rule, a
user of one organisation gets 404 for every id of another (and for mixed parent/child
ids) and changes nothing, and no state-changing request works without a CSRF token."""

from __future__ import annotations

import importlib

import pytest

from tests.security.conftest import Auth
from tests.security.routes import is_api, nonexistent, org_ids, post_routes, probes, snapshot

KNOWN_RULES = ("public", "login", "api_token")
# Pages anyone may open without logging in. A new public page must be added here on purpose.
PUBLIC_ENDPOINTS = {
    "static", "auth.login", "auth.code", "auth.enrol_at_login", "auth.forgot", "auth.reset", "auth.logout",
    "ical.feed", "api.openapi_document", "health.healthz",  # load balancers: no personal data
    "admin.accept_invitation",  # the invited person has no password yet: the one-time link is the key
}
FOREIGN = "Bakkerij De Korenaar"  # the company whose rows the others probe (it has candidate plans)


def test_every_route_declares_who_may_use_it(app):
    missing, unknown, public = [], [], []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access_rule", None)
        if rule.endpoint == "static":
            continue
        if access is None:
            missing.append(rule.rule)
        elif not (access in KNOWN_RULES or access.startswith("roles:")):
            unknown.append(f"{rule.rule}: {access}")
        if access == "public" and rule.endpoint not in PUBLIC_ENDPOINTS:
            public.append(rule.endpoint)
        if access == "api_token":
            assert is_api(rule.rule), f"{rule.rule} uses a token outside /api/"
    assert not missing, f"views without login_required/roles_required/public: {missing}"
    assert not unknown, f"unknown access rules: {unknown}"
    assert not public, f"new public pages (add them to PUBLIC_ENDPOINTS if meant): {public}"


def test_a_view_without_an_access_rule_is_caught(app):
    @app.route("/vergeten-route")
    def forgotten():
        return "oeps"

    view = app.view_functions["forgotten"]
    assert getattr(view, "access_rule", None) is None


def test_no_debug_or_console_routes(app):
    paths = {r.rule for r in app.url_map.iter_rules()}
    assert not {p for p in paths if p.split("/")[1] in {"console", "debug", ".git", "admin-debug"}}
    assert not app.debug


@pytest.mark.parametrize("email,own_org", [
    ("ingrid@debongerd.example", "Tuincentrum De Bongerd"),   # opdrachtgever
    ("bert@debongerd.example", "Tuincentrum De Bongerd"),     # Harrie
    ("tom@wsp-gelderland.example", "Logistiek Centrum Arnhem"),  # WSP of the other region
])
def test_user_of_one_organisation_gets_404_for_every_id_of_another(client, auth, app, email, own_org):
    db = app.extensions["jobtraject"].db
    theirs, own = org_ids(db, FOREIGN), org_ids(db, own_org)
    assert theirs["case_id"] and theirs["task_id"] and theirs["candidate_id"]
    auth.login(email)
    csrf = auth.csrf("/account/wachtwoord")
    before = snapshot(db)
    tried, wrong = 0, []
    for p in probes(app, theirs, own):
        data = {"csrf_token": csrf} if p.method != "GET" else None
        r = client.open(p.url, method=p.method, data=data)
        tried += 1
        if r.status_code in (403, 404):
            if r.status_code == 403:
                body = r.get_data(as_text=True)
                assert not any(f"/{c}" in body for c in theirs["case_id"]), p.url
            continue
        # A form refused before any row is read (e.g. a missing field) may answer otherwise,
        # but exactly as for an id that does not exist: the answer reveals nothing.
        twin = client.open(nonexistent(p.url, theirs), method=p.method, data=data)
        same = (r.status_code, r.headers.get("Location")) == (twin.status_code, twin.headers.get("Location"))
        if p.method == "GET" or not same or r.status_code not in (302, 400):
            wrong.append(f"{p.method} {p.url} ({p.note}): {r.status_code}, for a missing id {twin.status_code}")
    assert not wrong, wrong
    assert tried >= 3
    assert snapshot(db) == before
    _api_idor(app, email, theirs, own, before)


def _api_idor(app, email, theirs, own, before):
    """The same through /api/ with the user's own bearer token, when the API is there."""
    api = list(probes(app, theirs, own, api=True))
    if not api:
        return
    tokens = importlib.import_module("engine.identity.tokens")
    svc = app.extensions["jobtraject"]
    from sqlalchemy import select

    from engine.store.models import User

    with svc.db.read() as s:
        user_id = s.scalar(select(User.id).where(User.email == email))
    secret = tokens.create_token(svc.db, svc.clock, user_id, "idor-test").secret
    before = snapshot(svc.db)
    client = app.test_client()
    wrong = []
    for p in api:
        r = client.open(p.url, method=p.method, json={} if p.method != "GET" else None,
                        headers={"Authorization": f"Bearer {secret}"})
        if r.status_code not in (403, 404):
            wrong.append(f"{p.method} {p.url} ({p.note}): {r.status_code}")
    assert not wrong, wrong
    assert snapshot(svc.db) == before


def test_no_state_changing_request_works_without_a_csrf_token(client, auth, app):
    db = app.extensions["jobtraject"].db
    auth.login("sanne@job.example")  # JoB sees every case, so only the token can stop her
    ids = org_ids(db, FOREIGN)
    before = snapshot(db)
    tried, wrong = 0, []
    for p in post_routes(app, ids):
        r = client.open(p.url, method=p.method, data={"reason": "x", "code": "123456", "email": "a@b.nl"})
        tried += 1
        if r.status_code != 400:
            wrong.append(f"{p.method} {p.url}: {r.status_code}")
    assert not wrong, wrong
    assert tried >= 8
    assert snapshot(db) == before
    assert client.get("/").status_code == 200  # still logged in: nothing was undone either


def test_a_csrf_token_from_another_session_is_refused(client, auth, app):
    other = app.test_client()
    foreign_token = Auth(other).csrf()
    auth.login("marieke@korenaar.example")
    r = client.post("/meldingen", data={"notify": "none", "csrf_token": foreign_token})
    assert r.status_code == 400


def test_the_api_does_not_accept_the_session_cookie(client, auth, app):
    """The API is exempt from CSRF because it only takes bearer tokens: a logged-in
    browser's cookie must open nothing there."""
    db = app.extensions["jobtraject"].db
    auth.login("sanne@job.example")
    ids = org_ids(db, FOREIGN)
    before = snapshot(db)
    wrong = []
    for rule in app.url_map.iter_rules():
        if not is_api(rule.rule):
            continue
        for p in [*post_routes(app, ids, api=True), *probes(app, ids, api=True)]:
            r = client.open(p.url, method=p.method, json={} if p.method != "GET" else None)
            if r.status_code < 400 and not (p.method == "GET" and "openapi" in p.url):
                wrong.append(f"{p.method} {p.url}: {r.status_code}")
        break
    assert not wrong, wrong
    assert snapshot(db) == before
