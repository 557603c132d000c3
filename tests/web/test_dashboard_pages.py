"""JoB's dashboard: only for JoB and administrators, with the demo's numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.plan_steps import PlanSteps as PlanServices
from tests.plan_world import run_due_timers
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    ADMIN,
    AHMED,
    HARRIE,
    LISA,
    MARIEKE,
    SANNE,
    TOM,
    actor,
    nav,
    section,
    services,
    sign_in,
    task,
    task_id,
)


def row(html: str, label: str) -> list[str]:
    """The cells of the table row that starts with `label`, as text."""
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


@pytest.mark.parametrize(("email", "status"), [
    (SANNE, 200), (AHMED, 200), (ADMIN, 200), (LISA, 404), (TOM, 404), (MARIEKE, 404), (HARRIE, 404),
])
def test_the_dashboard_is_only_for_job_and_administrators(client, email, status):
    sign_in(client, email)
    r = client.get("/dashboard")
    assert r.status_code == status
    assert ('href="/dashboard">Dashboard</a>' in nav(client.get("/").get_data(as_text=True))) == (status == 200)
    if status == 404:
        assert "Niet gevonden" in r.get_data(as_text=True) and "trajectplannen" not in r.get_data(as_text=True)


def test_the_dashboard_shows_the_demo_datas_numbers(client):
    sign_in(client, SANNE)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in html
    phases = section(html, "Bedrijfstrajecten per fase")
    expected = {"Adviesgesprek": "1", "Bedrijfsanalyse": "1", "Eindgesprek": "1", "Werving": "1",
                "Sollicitatie": "0", "Trajectplan": "1", "Totaal": "5"}
    assert {k: row(phases, k)[1] for k in expected} == expected  # the stopped printer is not counted
    months = section(html, "Trajectplannen per planmaand")
    assert row(months, "Nog niet gestart")[1] == "0" and row(months, "Maand 1")[1] == "2"
    assert row(months, "Maand 2")[1] == "0" and row(months, "Totaal")[1] == "2"
    assert "Geen te late evaluaties." in section(html, "Te late evaluaties")
    hours = section(html, "Begeleidingsuren tegenover het maximum")
    assert row(hours, "Daan Verhoeven") == ["Daan Verhoeven", "Bakkerij De Korenaar", "0", "124,8", "0%",
                                            "Binnen het maximum"]  # 10 % of 24 h x 52 weeks
    assert row(hours, "Noor Bosman")[2:4] == ["0", "166,4"]
    placements = section(html, "Plaatsingen per werkgever")
    assert row(placements, "Bakkerij De Korenaar") == ["Bakkerij De Korenaar", "48", "ja", "2", "2", "0", "0"]
    assert "Tuincentrum" not in placements


def test_late_evaluations_and_hours_against_the_cap_after_the_plans_have_run(app, client):
    svc = services(app)
    later = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)  # Thursday 10 December, 09:00 in Amsterdam
    run_due_timers(svc, later)
    svc.clock.set(later)
    daan_plan = task(app, task_id(app, "Bakkerij De Korenaar", "week4:job")).case_id
    for day in ("2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09", "2026-11-10"):
        PlanServices(svc).log_hours(actor(app, SANNE), daan_plan, worked_on=day, hours="24", activity="werkvloer")
    sign_in(client, AHMED)
    html = client.get("/dashboard").get_data(as_text=True)
    late = section(html, "Te late evaluaties")
    assert re.search(r'<span class="count">2</span>', late)
    for name in ("Daan Verhoeven", "Noor Bosman"):
        assert row(late, name)[1:] == ["Bakkerij De Korenaar", "Evaluatie week 4: voortgang en introductie INVRA",
                                       "di 1 dec 2026", "9"]
    hours = section(html, "Begeleidingsuren tegenover het maximum")
    assert row(hours, "Daan Verhoeven")[2:] == ["120", "124,8", "96%", "Bijna op"]
    assert row(section(html, "Trajectplannen per planmaand"), "Maand 2")[1] == "2"
