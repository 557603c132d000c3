"""Who may use the API: a live personal token, sent as a Bearer header, and nothing else."""

from __future__ import annotations

from sqlalchemy import update

from engine.identity import tokens
from engine.store.models import User
from tests.api.conftest import assert_error


def test_a_request_without_a_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/cases")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_malformed_token_is_401(client, token):
    real = token("sanne@job.example")
    for header in (f"Bearer {real}x", "Bearer jt_nonsense", "Bearer ", f"Basic {real}", real, "Bearer " + "a" * 500):
        assert_error(client.get("/api/v1/cases", headers={"Authorization": header}), 401, "unauthorized")


def test_a_valid_token_acts_as_its_user(client, token):
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token('sanne@job.example')}"})
    assert response.status_code == 200
    assert response.get_json()["items"]


def test_a_revoked_token_stops_working_at_once(client, svc, user_id):
    new = tokens.create_token(svc.db, svc.clock, user_id("sanne@job.example"), "script")
    headers = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    tokens.revoke_token(svc.db, svc.clock, user_id("sanne@job.example"), new.info.id)
    assert_error(client.get("/api/v1/cases", headers=headers), 401)


def test_a_deactivated_users_tokens_stop_working(client, svc, bearer, user_id):
    headers = bearer("marieke@korenaar.example")
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with svc.db.write() as s:
        s.execute(update(User).where(User.id == user_id("marieke@korenaar.example")).values(active=False))
    assert_error(client.get("/api/v1/cases", headers=headers), 401)


def test_the_browser_session_cookie_is_not_accepted_as_api_authentication(client):

    from tests.web.conftest import Auth

    login = Auth(client).login("sanne@job.example")  # password and second step
    assert login.status_code == 302
    assert client.get("/").status_code == 200  # logged in for the web UI
    assert_error(client.get("/api/v1/cases"), 401)
    assert_error(client.post("/api/v1/cases/8/transitions", json={"trigger": "stop"}), 401)


def test_the_api_needs_no_csrf_token_with_a_bearer_token(app, bearer):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    client = app.test_client()
    response = client.post("/api/v1/cases/8/transitions", headers=bearer("sanne@job.example"),
                           json={"trigger": "record_advisory_meeting", "payload": {"notes": "Via de API"}})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_only_a_hash_and_a_short_prefix_of_a_token_are_stored(svc, user_id):
    from sqlalchemy import select

    from engine.store.models import ApiToken

    new = tokens.create_token(svc.db, svc.clock, user_id("sanne@job.example"), "script")
    with svc.db.read() as s:
        row = s.get(ApiToken, new.info.id)
        stored = [str(v) for v in s.execute(select(ApiToken.__table__).where(ApiToken.id == row.id)).one()]
    assert new.secret not in stored
    assert row.token_hash == tokens.token_hash(new.secret)
    assert new.secret.startswith(row.prefix) and len(row.prefix) <= 10
