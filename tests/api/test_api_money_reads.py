"""The plan's money over the API (issue 20): hours statements per period with the figures of the
plan page and its CSV to the cent, the placement's instruments, and the settings with their
source and valid-from date; JoB's money is a 404 for the employer's side, as on the page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.identity import tokens
from engine.store.models import ReadAccess, User
from tests.api.conftest import assert_error
from tests.web import test_plan_page as plan_page
from tests.web.test_plan_page import BOSS, HARRIE, JOB, WSP
from workflows.domain.rules import SETTINGS
from workflows.usecases.money_services import MoneyServices

ADMIN = "beheer@job.example"
# The plan page's demo: running plans, four months into their year, with hours logged.
demo_file, app, client, web = plan_page.demo_file, plan_page.app, plan_page.client, plan_page.web


@pytest.fixture
def bearer(app):
    svc = app.extensions["jobtraject"]

    def headers(email: str) -> dict[str, str]:
        with svc.db.read() as s:
            uid = s.scalar(select(User.id).where(User.email == email))
        return {"Authorization": f"Bearer {tokens.create_token(svc.db, svc.clock, uid, 'test').secret}"}

    return headers


def _csv_totals(web, case_id: int, month: str) -> dict[str, Decimal]:
    web.login(JOB)
    r = web.client.get(f"/plannen/{case_id}/uren/{month}.csv")
    assert r.status_code == 200
    rows = csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    return {row[0]: Decimal(row[1].replace(",", ".")) for row in rows
            if len(row) == 2 and row[1] and row[1].replace(",", "").replace("-", "").isdigit()}


def test_the_hours_statement_per_period_has_the_figures_of_the_page_and_the_csv(web, client, bearer):
    case_id = web.plan_of("Daan")
    job = bearer(JOB)
    r = client.get(f"/api/v1/cases/{case_id}/hours-statements", headers=job)
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    assert [s["month"] for s in items] == sorted((s["month"] for s in items), reverse=True)  # newest first
    with_hours = [s for s in items if Decimal(s["hours"]) > 0]
    assert with_hours
    month = with_hours[-1]["month"]
    one = client.get(f"/api/v1/cases/{case_id}/hours-statements/{month}", headers=job).get_json()
    assert one["candidate"] == "Daan Verhoeven" and one["employer"] == "Bakkerij De Korenaar"
    assert {k: v for k, v in one.items() if k not in ("case_id", "candidate", "employer")} == with_hours[-1]

    totals = _csv_totals(web, case_id, month)
    assert Decimal(one["hours"]) == totals["Totaal uren"]
    assert Decimal(one["billable_hours"]) == totals["Declarabel (na de proefplaatsing)"]
    assert Decimal(one["uwv_hours"]) == totals["Binnen UWV-maximum"]
    assert Decimal(one["cost_eur"]) == totals["Kosten (declarabel x uurtarief)"]
    assert Decimal(one["uwv_eur"]) == totals["Vergoed door UWV"]
    assert Decimal(one["employer_eur"]) == totals["Voor de werkgever"]
    assert Decimal(one["rate_eur"]) == totals["Uurtarief"] == Decimal("40")
    assert sum(Decimal(ln["hours"]) for ln in one["lines"]) == Decimal(one["hours"])
    assert one["years"][0]["year"] == 1 and Decimal(one["years"][0]["share"]) == Decimal("0.10")


def test_the_statements_are_not_for_the_employers_side_and_a_wrong_period_or_plan_is_404(web, client, bearer, app):
    svc = app.extensions["jobtraject"]
    case_id = web.plan_of("Daan")
    month = svc.clock.now().date().isoformat()[:7]

    def logged() -> int:
        with svc.db.read() as s:
            return s.scalar(select(func.count()).select_from(ReadAccess))

    before = logged()
    for email in (BOSS, HARRIE, "bert@debongerd.example"):
        assert_error(client.get(f"/api/v1/cases/{case_id}/hours-statements", headers=bearer(email)), 404)
        assert_error(client.get(f"/api/v1/cases/{case_id}/hours-statements/{month}", headers=bearer(email)), 404)
    job = bearer(JOB)
    for bad in ("2026-13", "2026-1", "november"):
        assert_error(client.get(f"/api/v1/cases/{case_id}/hours-statements/{bad}", headers=job), 404)
    trajectory = 1  # a company trajectory has no hours statements
    assert_error(client.get(f"/api/v1/cases/{trajectory}/hours-statements", headers=job), 404)
    assert_error(client.get("/api/v1/cases/99999999/instruments", headers=job), 404)
    assert logged() == before
    assert client.get(f"/api/v1/cases/{case_id}/hours-statements/{month}", headers=bearer(WSP)).status_code == 200
    assert logged() == before + 1  # the statement names the candidate: its read is logged, as the CSV's


def test_the_instruments_of_a_placement_with_status_dates_and_amount(web, client, bearer):
    case_id = web.plan_of("Daan")
    boss = bearer(BOSS)
    r = client.post(f"/api/v1/cases/{case_id}/actions/update_instrument", headers=boss, json={"payload": {
        "kind": "loonkostensubsidie", "status": "aangevraagd", "applied_on": "2026-11-19", "amount_eur": 9600}})
    assert r.status_code == 200, r.get_json()
    items = client.get(f"/api/v1/cases/{case_id}/instruments", headers=boss).get_json()["items"]
    loon = next(i for i in items if i["kind"] == "loonkostensubsidie")
    assert (loon["status"], loon["status_label"], loon["applied_on"], loon["amount_eur"]) == (
        "aangevraagd", "Aangevraagd", "2026-11-19", "9600.00")
    assert_error(client.get(f"/api/v1/cases/{case_id}/instruments", headers=bearer("bert@debongerd.example")), 404)


def test_the_settings_with_source_and_valid_from_for_job_and_administrators(app, client, bearer, web):
    job = bearer(JOB)
    items = {s["key"]: s for s in client.get("/api/v1/settings", headers=job).get_json()["items"]}
    assert list(items) == [s.key for s in SETTINGS]
    rate = items["hourly_rate_eur"]
    assert (Decimal(rate["value"]), rate["changed"]) == (Decimal("40"), False)
    assert "€40 per uur" in rate["source"] and rate["valid_from"]
    assert [k for k, s in items.items() if s["example"]] == [s.key for s in SETTINGS if s.example]  # as the page
    assert [v["state"] for v in rate["versions"]] == ["geldt"]  # only the default so far
    MoneyServices(app.extensions["jobtraject"]).change_setting(web.actor(ADMIN), "hourly_rate_eur", "45",
                                                               "Tarieven 2027", "2099-01-01", "Nieuw tarief")
    rate = next(s for s in client.get("/api/v1/settings", headers=bearer(ADMIN)).get_json()["items"]
                if s["key"] == "hourly_rate_eur")
    assert (Decimal(rate["value"]), rate["changed"]) == (Decimal("40"), True)  # the new rate is not valid yet
    newest = rate["versions"][0]
    assert (Decimal(newest["value"]), newest["source"], newest["valid_from"], newest["state"], newest["reason"]) == (
        Decimal("45"), "Tarieven 2027", "2099-01-01", "toekomst", "Nieuw tarief")
    assert [v["state"] for v in rate["versions"]] == ["toekomst", "geldt"]
    for email in (BOSS, HARRIE, WSP):
        assert_error(client.get("/api/v1/settings", headers=bearer(email)), 404)
