"""Tokens are made by their user: on the page *API-sleutels* or with `jobtraject token`."""

from __future__ import annotations

import re

from click.testing import CliRunner
from flask.cli import ScriptInfo

from engine.identity import tokens
from tests.api.conftest import assert_error
from webui.cli import main


def cli(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_token_create_prints_a_token_that_works(app, client):
    result = cli(app, "token", "create", "--user", "sanne@job.example", "--name", "nachtelijke export")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("jt_")
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_token_list_shows_prefixes_never_secrets_and_revoke_stops_the_token(app, client):
    secret = cli(app, "token", "create", "--user", "lisa@wsp-nijmegen.example").stdout.strip().splitlines()[-1]
    listed = cli(app, "token", "list", "--user", "lisa@wsp-nijmegen.example")
    assert listed.exit_code == 0 and secret not in listed.output and secret[:10] in listed.output
    token_id = listed.output.split("\t")[0]
    assert cli(app, "token", "revoke", token_id, "--user", "lisa@wsp-nijmegen.example").exit_code == 0
    assert_error(client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}), 401)


def test_token_commands_refuse_unknown_users_and_other_users_tokens(app):
    assert cli(app, "token", "create", "--user", "niemand@example.nl").exit_code != 0
    cli(app, "token", "create", "--user", "lisa@wsp-nijmegen.example")
    token_id = cli(app, "token", "list", "--user", "lisa@wsp-nijmegen.example").output.split("\t")[0]
    assert cli(app, "token", "revoke", token_id, "--user", "sanne@job.example").exit_code != 0


def login(client, email: str) -> None:
    from tests.web.conftest import Auth

    assert Auth(client).login(email).status_code == 302  # password and second step


def csrf_of(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_a_user_creates_a_token_on_the_page_sees_it_once_and_revokes_it(client, svc, user_id):
    login(client, "marieke@korenaar.example")
    page = client.post("/api-sleutels", data={"name": "Excel-koppeling", "csrf_token": csrf_of(client, "/api-sleutels")})
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = re.search(r'value="(jt_[^"]+)"', html).group(1)
    api = client.application.test_client()  # no cookie: the token alone
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = client.get("/api-sleutels").get_data(as_text=True)
    assert secret not in again and "Excel-koppeling" in again and secret[:10] in again
    token_id = tokens.list_tokens(svc.db, user_id("marieke@korenaar.example"))[0].id
    revoked = client.post(f"/api-sleutels/{token_id}/intrekken", data={"csrf_token": csrf_of(client, "/api-sleutels")})
    assert revoked.status_code == 302
    assert "ingetrokken" in client.get("/api-sleutels").get_data(as_text=True)
    assert_error(api.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}), 401)


def test_a_token_without_a_name_is_refused_on_the_page(client):
    login(client, "sanne@job.example")
    page = client.post("/api-sleutels", data={"name": "  ", "csrf_token": csrf_of(client, "/api-sleutels")})
    assert page.status_code == 400 and "Geef de sleutel een naam" in page.get_data(as_text=True)
    assert "jt_" not in page.get_data(as_text=True)


def test_a_user_cannot_revoke_someone_elses_token(client, svc, user_id):
    other = tokens.create_token(svc.db, svc.clock, user_id("sanne@job.example"), "van Sanne")
    login(client, "marieke@korenaar.example")
    client.post(f"/api-sleutels/{other.info.id}/intrekken", data={"csrf_token": csrf_of(client, "/api-sleutels")})
    assert tokens.list_tokens(svc.db, user_id("sanne@job.example"))[0].active


def test_the_token_page_needs_a_login(client):
    response = client.get("/api-sleutels")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
