"""`GET /api/v1/users`: every account for an administrator's token, a 404 for any other role."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error


def test_an_administrator_lists_every_account_with_its_state(client, bearer):
    response = client.get("/api/v1/users", headers=bearer("beheer@job.example"))
    assert response.status_code == 200
    items = {u["email"]: u for u in response.get_json()["items"]}
    assert items["sanne@job.example"]["is_coordinator"] is True and items["sanne@job.example"]["role"] == "job"
    assert items["harrie@korenaar.example"]["active"] is True and items["harrie@korenaar.example"]["has_password"]
    assert "password_hash" not in items["sanne@job.example"] and "totp_secret" not in items["sanne@job.example"]


@pytest.mark.parametrize("email", ["sanne@job.example", "lisa@wsp-nijmegen.example", "marieke@korenaar.example"])
def test_any_other_role_gets_a_404(client, bearer, email):
    assert_error(client.get("/api/v1/users", headers=bearer(email)), 404, "not_found")


def test_an_unknown_query_parameter_is_refused(client, bearer):
    assert client.get("/api/v1/users?role=job", headers=bearer("beheer@job.example")).status_code == 400
