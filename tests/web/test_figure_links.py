"""Every figure on the dashboard and the management view opens the list behind it, and that list
shows exactly as many lines as the figure said (on SQLite and PostgreSQL); the management view
splits by WSP region and period, is for JoB coordinators and administrators only, and exports
its figures as a CSV a spreadsheet cannot run."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from datetime import UTC, date, datetime

import pytest

from engine.clock import FixedClock
from tests.helpers import T0
from tests.hire import hire_into_plan
from tests.plan_steps import PlanSteps
from tests.plan_world import run_due_timers
from tests.web.case_support import candidate_id
from tests.web.inbox_support import actor, services, sign_in, task, task_id
from webui import create_app

SANNE, AHMED, ADMIN = "sanne@job.example", "ahmed@job.example", "beheer@job.example"
LISA, TOM, MARIEKE = "lisa@wsp-nijmegen.example", "tom@wsp-gelderland.example", "marieke@korenaar.example"
LATER = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)  # Thursday 10 December 2026, 09:00 in Amsterdam


@pytest.fixture
def app(demo_db_url):
    """The demo on SQLite and PostgreSQL, then a hand-built month: timers run to 10 December (two
    late week-4 evaluations), Daan's hours over the maximum, Kevin hired at the garden centre
    (Midden-Gelderland), Noor's plan stopped, and instruments to apply for, applied for, refused."""
    app = create_app({"DATABASE_URL": demo_db_url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    svc = services(app)
    run_due_timers(svc, LATER)
    svc.clock.set(LATER)
    coach, steps = actor(app, SANNE), PlanSteps(svc)
    daan = task(app, task_id(app, "Bakkerij De Korenaar", "week4:job")).case_id
    for day in ("2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09", "2026-11-10", "2026-11-11"):
        steps.log_hours(coach, daan, worked_on=day, hours="24", activity="werkvloer")  # 144 h > 124,8
    kevin = hire_into_plan(svc, "Tuincentrum De Bongerd", candidate_id(app, "Kevin"), start_date=date(2026, 12, 1)).id
    svc.perform(coach, kevin, "update_instrument", {"kind": "no_riskpolis", "status": "aan_te_vragen",
                                                    "apply_by": "2026-12-20"})
    svc.perform(coach, kevin, "update_instrument", {"kind": "jobcoach", "status": "aangevraagd",
                                                    "applied_on": "2026-12-04"})
    svc.perform(coach, daan, "update_instrument", {"kind": "no_riskpolis", "status": "afgewezen",
                                                   "applied_on": "2026-11-20", "decided_on": "2026-12-08"})
    noor = next(c for c in _plan_ids(app) if c not in (daan, kevin))
    steps.stop(coach, noor, reason="verhuizing")
    app.config["WORLD"] = {"daan": daan, "kevin": kevin, "noor": noor}
    yield app
    svc.db.dispose()


def _plan_ids(app) -> list[int]:
    from sqlalchemy import select

    from engine.store.models import Case
    with services(app).db.read() as s:
        return list(s.scalars(select(Case.id).where(Case.workflow == "candidate_plan").order_by(Case.id)))


LINK = re.compile(r'<a href="(/(?:plannen|bedrijven)\?[^"]*)">(\d+)</a>')


def figure_links(html: str) -> list[tuple[str, int]]:
    return [(htmllib.unescape(href), int(n)) for href, n in LINK.findall(html)]


def lines_of(client, href: str) -> list[str]:
    """The rows of the list a link opens (each row's text)."""
    r = client.get(href)
    assert r.status_code == 200, (href, r.status_code)
    page = r.get_data(as_text=True)
    table = re.search(r'<table class="list[^"]*"[^>]*>.*?<tbody>(.*?)</tbody>', page, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S) if table else []
    if href.startswith("/plannen"):
        shown = int(re.search(r'id="aantal"><strong>(\d+)</strong>', page).group(1))
        assert shown == len(rows), href
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_every_dashboard_figure_opens_a_list_with_as_many_lines(app):
    client = app.test_client()
    sign_in(client, AHMED)
    html = client.get("/dashboard").get_data(as_text=True)
    links = figure_links(html)
    late = re.search(r'<a href="(/plannen\?te_laat=ja)">Lijst van de (\d+) te late evaluaties</a>', html)
    links.append((late.group(1), int(late.group(2))))
    kinds = {re.sub(r"=[^&]*", "", href) for href, _ in links}
    assert {"/bedrijven?fase", "/plannen?maand", "/plannen?status", "/plannen?te_laat", "/plannen?uren",
            "/plannen?werkgever", "/plannen?werkgever&status", "/plannen?instrument"} <= kinds
    assert sum(n for _, n in links) > 10  # not all zeros: the world above has something behind each
    for href, n in links:
        assert len(lines_of(client, href)) == n, href
    lates = lines_of(client, "/plannen?te_laat=ja")
    assert len(lates) == 1 and "Daan Verhoeven" in lates[0] and "Evaluatie week 4" in lates[0]  # Noor stopped
    assert [r.split(" Bakkerij")[0] for r in lines_of(client, "/plannen?uren=overschreden")] == ["Daan Verhoeven"]


def test_the_management_view_splits_per_region_and_period_and_each_figure_is_its_list(app):
    client = app.test_client()
    sign_in(client, SANNE)
    r = client.get("/management?periode=2026-K4")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    links = figure_links(html)
    assert len(links) > 40
    for href, n in links:
        assert len(lines_of(client, href)) == n, href

    def figure(fragment: str) -> int:
        return next(n for href, n in links if href == fragment)

    nijmegen, gelderland = _region_ids(app)
    assert figure(f"/plannen?gestart=2026-K4&regio={gelderland}") == 1  # Kevin at the garden centre
    assert figure(f"/plannen?gestart=2026-K4&regio={nijmegen}") == 2  # Daan and Noor (23 November)
    assert figure(f"/plannen?beeindigd=2026-K4&regio={nijmegen}") == 1  # Noor stopped
    assert figure(f"/plannen?beeindigd=2026-K4&regio={gelderland}") == 0
    assert figure(f"/plannen?uren=overschreden&regio={nijmegen}") == 1
    assert figure(f"/plannen?instrument=aan_te_vragen&termijn=deze_maand&regio={gelderland}") == 1
    assert figure(f"/plannen?instrument=aangevraagd&regio={gelderland}") == 1
    assert figure(f"/plannen?instrument=afgewezen&besluit=2026-K4&regio={nijmegen}") == 1
    assert figure("/plannen?instrument=afgewezen&besluit=2026-K4") == 1
    assert figure(f"/bedrijven?bereikt=sollicitatie&gestart=2026-K4&regio={gelderland}") == 1  # the garden centre
    funnel = [figure(f"/bedrijven?bereikt={phase}&gestart=2026-K4") for phase in
              ("adviesgesprek", "bedrijfsanalyse", "eindgesprek", "werving", "sollicitatie", "trajectplan")]
    # started in October and November: the gardener (still in its first talk), the care home, the
    # warehouse, the printer (stopped in the analysis) and the garden centre; the bakery: September
    assert funnel == [5, 4, 2, 1, 1, 0]
    earlier = figure_links(client.get("/management?periode=2025").get_data(as_text=True))
    assert sum(n for href, n in earlier if "gestart=" in href or "beeindigd=" in href) == 0


def _region_ids(app) -> tuple[int, int]:
    from tests.web.inbox_support import org_id
    return org_id(app, "WSP Rijk van Nijmegen"), org_id(app, "WSP Midden-Gelderland")


@pytest.mark.parametrize(("email", "status"), [
    (SANNE, 200), (ADMIN, 200), (AHMED, 404), (LISA, 404), (TOM, 404), (MARIEKE, 404)])
def test_the_management_view_is_for_coordinators_and_administrators(app, email, status):
    client = app.test_client()
    sign_in(client, email)
    assert client.get("/management").status_code == status
    assert client.get("/management/2026.csv").status_code == status
    menu = client.get("/").get_data(as_text=True)
    assert ('href="/management"' in menu) == (status == 200)


def test_a_wsp_adviser_following_a_phase_link_sees_only_the_own_regions_employers(app):
    client = app.test_client()
    sign_in(client, LISA)  # WSP Rijk van Nijmegen
    everything = lines_of(client, "/bedrijven?fase=lopend")
    assert everything and all("Rijk van Nijmegen" in line for line in everything)
    reached = lines_of(client, "/bedrijven?bereikt=adviesgesprek")
    assert reached and all("Rijk van Nijmegen" in line for line in reached)
    assert client.get("/plannen?status=lopend").status_code == 404  # the plans list is JoB's


@pytest.mark.parametrize(("path", "message"), [
    ("/plannen?maand=13", "Onbekende planmaand '13'"),
    ("/plannen?uren=veel", "Onbekende stand van de uren 'veel'"),
    ("/plannen?werkgever=bakkerij", "Onbekende werkgever 'bakkerij'"),
    ("/plannen?werkgever=99999", "Er is geen werkgever met nummer 99999."),
    ("/plannen?regio=1", "Er is geen WSP-regio met nummer 1."),
    ("/plannen?gestart=2026-K5", "Onbekende periode '2026-K5'"),
    ("/plannen?termijn=deze_maand", "Kies bij een termijn"),
    ("/bedrijven?fase=klaar", "Onbekende fase 'klaar'"),
    ("/management?periode=vorig-jaar", "Onbekende periode 'vorig-jaar'"),
])
def test_an_unknown_filter_value_is_a_dutch_message_not_an_error_page(app, path, message):
    client = app.test_client()
    sign_in(client, SANNE)
    r = client.get(path)
    assert r.status_code == 400
    assert message in htmllib.unescape(r.get_data(as_text=True))


def test_the_csv_holds_the_pages_figures_and_no_cell_runs_as_a_formula(app):
    from sqlalchemy import update

    from engine.store.models import Organisation
    with services(app).db.write() as s:  # a region whose name a spreadsheet would run
        s.execute(update(Organisation).where(Organisation.name == "WSP Midden-Gelderland")
                  .values(name="=HYPERLINK(\"http://x\")"))
    client = app.test_client()
    sign_in(client, ADMIN)
    r = client.get("/management/2026-K4.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="managementoverzicht-2026-K4.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Managementoverzicht JoB", "4e kwartaal 2026"]
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@")]
    table = {(row[1], row[2]): row[3] for row in rows[4:] if len(row) == 4}
    assert table[("'=HYPERLINK(\"http://x\")", "Gestart")] == "1"
    assert table[("WSP Rijk van Nijmegen", "Gestart")] == "2"
    assert table[("WSP Rijk van Nijmegen", "Voortijdig beëindigd")] == "1"
    assert table[("Totaal", "Afgewezen in de periode")] == "1"
    assert table[("WSP Rijk van Nijmegen", "Geschreven uren")] == "144,00"
    page = client.get("/management?periode=2026-K4").get_data(as_text=True)
    started = dict(figure_links(page))
    assert started["/plannen?gestart=2026-K4"] == int(table[("Totaal", "Gestart")])
