"""The inbox, the queue and the archive through the Flask client, on the demo data.

The app's clock stands still on Monday 23 November 2026, 09:00 in Amsterdam.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from engine import inbox
from engine.store.models import Case, Task
from engine.task_services import TaskServices
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    AHMED,
    DEMO_ROLES,
    LISA,
    SANNE,
    actor,
    events,
    heading_count,
    nav,
    nav_counts,
    org_id,
    post,
    section,
    services,
    set_task,
    sign_in,
    state,
    task,
    task_id,
    user_id,
)

BAKERY, GARDEN_CENTRE, CARE_HOME = "Bakkerij De Korenaar", "Tuincentrum De Bongerd", "Zorgcentrum De Linde"
GARDENER_HTML = "Hoveniersbedrijf Groen &amp; Zo"
PRINTER, GARDENER, LOGISTICS = "Drukkerij Het Gulden Boek", "Hoveniersbedrijf Groen & Zo", "Logistiek Centrum Arnhem"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def take(app, email: str, *ids: int) -> None:
    for tid in ids:
        TaskServices(services(app)).take(actor(app, email), tid)


@pytest.mark.parametrize("email", DEMO_ROLES)
def test_every_demo_role_has_an_inbox_a_queue_and_an_archive(client, email):
    sign_in(client, email)
    inbox = client.get("/").get_data(as_text=True)
    assert "<h1>Mijn taken</h1>" in inbox
    for group in ("Te laat", "Vandaag", "Deze week", "Later", "Later terugzien"):
        section(inbox, group)
    queue = client.get("/wachtrij")
    assert queue.status_code == 200 and "<h1>Wachtrij</h1>" in queue.get_data(as_text=True)
    assert "<h1>Archief</h1>" in client.get("/archief").get_data(as_text=True)


def test_my_tasks_are_grouped_by_dutch_due_day(app, client):
    ids = {
        "support_hr": task_id(app, BAKERY, "support_hr"),  # Sanne's; due Wednesday 11 November
        "inform_stop": task_id(app, PRINTER, "inform_stop"),
        "recruit": task_id(app, GARDEN_CENTRE, "recruit"),
        "support_analysis": task_id(app, CARE_HOME, "support_analysis"),
        "prepare": task_id(app, GARDENER, "prepare_adviesgesprek"),
    }
    take(app, SANNE, *[v for k, v in ids.items() if k != "support_hr"])
    set_task(app, ids["inform_stop"], due_at=utc(2026, 11, 22, 23, 30))  # 00:30 today in Amsterdam
    set_task(app, ids["recruit"], due_at=utc(2026, 11, 29, 22, 30))  # Sunday 23:30 in Amsterdam
    set_task(app, ids["support_analysis"], due_at=utc(2026, 11, 29, 23, 30))  # Monday 00:30 next week
    set_task(app, ids["prepare"], due_at=None)
    sign_in(client, SANNE)
    html = client.get("/").get_data(as_text=True)

    def titles(group: str) -> list[int]:
        body = section(html, group)
        return sorted(k for k, v in ids.items() if f"/taken/{v}/later" in body)

    assert titles("Te laat") == ["support_hr"]
    assert titles("Vandaag") == ["inform_stop"]
    assert titles("Deze week") == ["recruit"]
    assert titles("Later") == ["prepare", "support_analysis"]
    assert [heading_count(html, g) for g in ("Te laat", "Vandaag", "Deze week", "Later")] == [1, 1, 1, 2]
    late = section(html, "Te laat")
    assert 'class="late"' in late and "wo 11 nov 2026" in late and "te laat" in late
    assert f'href="/zaken/{task(app, ids["support_hr"]).case_id}"' in late


def test_cases_are_named_by_company_or_by_candidate_and_employer(app, client):
    plan_task = task_id(app, BAKERY, "draft_plan", workflow="candidate_plan")
    take(app, SANNE, plan_task)
    sign_in(client, SANNE)
    html = section(client.get("/").get_data(as_text=True), "Te laat")
    assert "Daan Verhoeven (Bakkerij De Korenaar)" in html and "Trajectplan #" in html
    assert "Bakkerij De Korenaar<br>" in html and "Bedrijfstraject #" in html
    assert "Voorbereiding" in html and "Trajectplan</td>" in html  # the phases


def test_filters_and_search_narrow_the_inbox_and_keep_their_values(app, client):
    take(app, SANNE, task_id(app, BAKERY, "draft_plan", workflow="candidate_plan"),
         task_id(app, GARDEN_CENTRE, "recruit"), task_id(app, GARDENER, "prepare_adviesgesprek"))
    sign_in(client, SANNE)

    def shown(query: str) -> list[str]:
        html = client.get("/?" + query).get_data(as_text=True)
        return sorted(t for t in ("Trajectplan opstellen", "Kandidaten werven", "Adviesgesprek voorbereiden",
                                  "HR van de werkgever") if t in html)

    assert shown("zoek=verhoeven") == ["Trajectplan opstellen"]
    assert shown("zoek=BONGERD") == ["Kandidaten werven"]
    assert shown("zoek=werven") == ["Kandidaten werven"]
    assert shown("zoek=%25") == []  # a LIKE wildcard is searched for literally
    assert shown(f"bedrijf={org_id(app, BAKERY)}") == ["HR van de werkgever", "Trajectplan opstellen"]
    assert shown("kandidaat=1") == ["Trajectplan opstellen"]
    assert shown("fase=company_trajectory:werving") == ["Kandidaten werven"]
    assert shown("te_laat=y") == ["HR van de werkgever", "Trajectplan opstellen"]
    assert shown("bedrijf=abc&fase=onzin") == shown("")  # nonsense filters are ignored
    html = client.get(f"/?zoek=bakker&bedrijf={org_id(app, BAKERY)}&fase=company_trajectory:trajectplan&te_laat=y"
                      ).get_data(as_text=True)
    assert 'value="bakker"' in html
    assert f'<option selected value="{org_id(app, BAKERY)}">' in html
    assert '<option selected value="company_trajectory:trajectplan">' in html
    assert re.search(r'<input checked id="te_laat" name="te_laat" type="checkbox" value="y">', html)
    assert '<label for="zoek">' in html and '<label for="bedrijf">Bedrijf</label>' in html


def test_the_queue_lists_unassigned_tasks_of_my_role_with_filters(app, client):
    sign_in(client, SANNE)
    html = client.get("/wachtrij").get_data(as_text=True).split('id="wachtrij-lijst"')[1]
    for company in (GARDEN_CENTRE, CARE_HOME, PRINTER, GARDENER_HTML, "Daan Verhoeven", "Noor Bosman"):
        assert company in html
    assert "Oppakken" in html and '<label for="toewijzen-' in html and "Ahmed Yilmaz" in html
    assert "HR van de werkgever" not in html  # assigned to Sanne
    assert "Bedrijfsanalyse uitvoeren" not in html  # a WSP task
    filtered = client.get(f"/wachtrij?bedrijf={org_id(app, GARDEN_CENTRE)}").get_data(as_text=True)
    listed = filtered.split('id="wachtrij-lijst"')[1]
    assert GARDEN_CENTRE in listed and PRINTER not in listed and "(gefilterd)" in filtered


def test_the_inbox_summarises_the_queue_with_a_link(client):
    sign_in(client, SANNE)
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/wachtrij">Wachtrij: 6 taken' in html


def test_a_wsp_adviser_never_sees_another_regions_tasks(app, client):
    sign_in(client, LISA)  # WSP Rijk van Nijmegen: Korenaar, Groen & Zo, De Linde
    for path in ("/wachtrij", "/", "/wachtrij?zoek=a"):
        html = client.get(path).get_data(as_text=True)
        for other in (GARDEN_CENTRE, LOGISTICS, PRINTER):
            assert other not in html
    queue = client.get("/wachtrij").get_data(as_text=True)
    assert CARE_HOME in queue and GARDENER_HTML in queue


@pytest.mark.parametrize("action", ["oppakken", "toewijzen", "afronden", "later", "later/wissen"])
def test_acting_on_another_regions_task_is_not_found_and_changes_nothing(app, client, action):
    foreign = task_id(app, GARDEN_CENTRE, "suggest_candidates")  # WSP Midden-Gelderland's task
    sign_in(client, LISA)
    before = state(app)
    data = {"assignee_id": str(user_id(app, LISA)), "follow_up_on": "2026-12-01"}
    r = post(client, f"/taken/{foreign}/{action}", data)
    assert r.status_code == 404 and "Niet gevonden" in r.get_data(as_text=True)
    assert state(app) == before


def test_taking_a_task_moves_it_from_the_queue_to_my_inbox_and_records_who(app, client):
    tid = task_id(app, GARDEN_CENTRE, "recruit")
    sign_in(client, AHMED)
    r = post(client, f"/taken/{tid}/oppakken", {"next": "/wachtrij?zoek=werven"})
    assert r.status_code == 302 and r.headers["Location"] == "/wachtrij?zoek=werven"
    assert task(app, tid).assignee_id == user_id(app, AHMED)
    assert events(app) == [(tid, "take", user_id(app, AHMED), None, user_id(app, AHMED), None)]
    assert "Kandidaten werven" in section(client.get("/").get_data(as_text=True), "Later")
    assert f"/taken/{tid}/oppakken" not in client.get("/wachtrij").get_data(as_text=True)
    again = post(client, f"/taken/{tid}/oppakken", {"next": "//evil.example/"})
    assert again.headers["Location"] == "/wachtrij"  # never off-site


def test_assigning_a_queue_task_to_a_colleague_says_why(app, client):
    tid = task_id(app, GARDEN_CENTRE, "recruit")
    sign_in(client, SANNE)
    before = state(app)
    r = post(client, f"/taken/{tid}/toewijzen", {"assignee_id": str(user_id(app, AHMED))}, follow_redirects=True)
    assert "Geef een reden" in r.get_data(as_text=True) and state(app) == before  # not in one click
    post(client, f"/taken/{tid}/toewijzen", {"assignee_id": str(user_id(app, AHMED)), "reason": "Kent de regio"})
    assert task(app, tid).assignee_id == user_id(app, AHMED)
    assert events(app) == [(tid, "assign", user_id(app, SANNE), None, user_id(app, AHMED), "Kent de regio")]


def test_assigning_to_someone_without_the_role_is_refused_in_dutch(app, client):
    tid = task_id(app, GARDENER, "prepare_adviesgesprek")
    sign_in(client, SANNE)
    before = state(app)
    r = post(client, f"/taken/{tid}/toewijzen", {"assignee_id": str(user_id(app, LISA)), "next": "/wachtrij"},
             follow_redirects=True)
    assert "Kies een actieve collega met dezelfde rol." in r.get_data(as_text=True)
    r = post(client, f"/taken/{tid}/toewijzen", {"assignee_id": "iemand"}, follow_redirects=True)
    assert "Kies een collega." in r.get_data(as_text=True)
    assert state(app) == before


def test_completing_my_task_moves_it_to_the_archive(app, client):
    tid = task_id(app, BAKERY, "support_hr")
    sign_in(client, SANNE)
    r = post(client, f"/taken/{tid}/afronden", follow_redirects=True)
    assert "De taak is afgerond." in r.get_data(as_text=True)
    assert task(app, tid).status == "done"
    assert heading_count(client.get("/").get_data(as_text=True), "Te laat") == 0
    archive = client.get("/archief").get_data(as_text=True)
    assert "HR van de werkgever ondersteunen" in archive and "Afgerond" in archive and "ma 23 nov 2026 09:00" in archive


def test_completing_someone_elses_task_is_refused(app, client):
    tid = task_id(app, LOGISTICS, "write_vacancy")  # Ahmed's
    sign_in(client, SANNE)
    before = state(app)
    r = post(client, f"/taken/{tid}/afronden", follow_redirects=True)
    assert "U kunt alleen uw eigen taken afronden." in r.get_data(as_text=True)
    assert state(app) == before


def test_a_follow_up_day_moves_a_task_out_of_the_urgent_groups_until_that_day(app, client):
    tid = task_id(app, BAKERY, "support_hr")
    sign_in(client, SANNE)
    r = post(client, f"/taken/{tid}/later", {"follow_up_on": "2026-11-26"})
    assert r.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert heading_count(html, "Te laat") == 0 and heading_count(html, "Later terugzien") == 1
    parked = section(html, "Later terugzien")
    assert "HR van de werkgever" in parked and "do 26 nov 2026" in parked and "wo 11 nov 2026" in parked
    # Parked, it is still late: the menu counts it and the parked group says so.
    assert nav_counts(html)[:2] == (1, 1) and "waarvan 1 te laat" in parked and "te laat</span>" in parked
    services(app).clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # that Thursday, 08:00
    sign_in(client, SANNE)  # three days later the session has long timed out
    html = client.get("/").get_data(as_text=True)
    assert heading_count(html, "Te laat") == 1 and heading_count(html, "Later terugzien") == 0


def test_showing_a_parked_task_again_clears_its_follow_up_day(app, client):
    tid = task_id(app, BAKERY, "support_hr")
    set_task(app, tid, follow_up_on=datetime(2026, 12, 1).date())
    sign_in(client, SANNE)
    assert heading_count(client.get("/").get_data(as_text=True), "Later terugzien") == 1
    post(client, f"/taken/{tid}/later/wissen")
    assert task(app, tid).follow_up_on is None
    assert heading_count(client.get("/").get_data(as_text=True), "Te laat") == 1


@pytest.mark.parametrize(("value", "message"), [
    ("31-02-2026", "Vul een geldige datum in, bijvoorbeeld 1-12-2026."),
    ("morgen", "Vul een geldige datum in, bijvoorbeeld 1-12-2026."),
    ("", "Vul een datum in."),
    ("2026-11-23", "Kies een datum na vandaag."),
    ("2030-01-01", "Kies een datum binnen een jaar."),
])
def test_a_bad_follow_up_day_is_shown_again_in_dutch_with_the_input_kept(app, client, value, message):
    tid = task_id(app, BAKERY, "support_hr")
    sign_in(client, SANNE)
    before = state(app)
    r = post(client, f"/taken/{tid}/later", {"follow_up_on": value})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html
    assert f'id="later-{tid}" name="follow_up_on"\n    value="{value}"' in html
    assert 'aria-invalid="true"' in html
    assert state(app) == before


def test_a_follow_up_day_on_a_task_that_is_not_mine_is_refused(app, client):
    tid = task_id(app, LOGISTICS, "write_vacancy")  # Ahmed's
    sign_in(client, SANNE)
    before = state(app)
    r = post(client, f"/taken/{tid}/later", {"follow_up_on": "2026-12-01"}, follow_redirects=True)
    assert "U kunt alleen een datum zetten bij uw eigen taken." in r.get_data(as_text=True)
    assert state(app) == before


@pytest.mark.parametrize("email", DEMO_ROLES)
def test_the_navigation_counts_my_open_and_late_tasks_and_my_queue(app, client, email):
    svc, who = services(app), actor(app, email)
    with svc.db.read() as s:
        mine = s.scalars(select(Task).join(Case).where(Task.assignee_id == who.user_id, Task.status == "open")).all()
    late = [t for t in mine if t.due_at is not None and t.due_at.replace(tzinfo=UTC) < datetime(2026, 11, 22, 23, 0,
                                                                                              tzinfo=UTC)]
    with svc.db.read() as s:
        queue = inbox.queue(s, svc.policy, who)
    sign_in(client, email)
    for path in ("/", "/archief", "/meldingen", f"/zaken/{task(app, task_id(app, BAKERY, 'support_hr')).case_id}"):
        r = client.get(path)
        if r.status_code == 404:
            continue
        menu = nav(r.get_data(as_text=True))
        assert menu and nav_counts(r.get_data(as_text=True)) == (len(mine), len(late), str(len(queue)))


def test_sanne_and_ahmed_see_their_demo_counts(client):
    sign_in(client, SANNE)
    assert nav_counts(client.get("/").get_data(as_text=True)) == (1, 1, "6")


def test_no_counts_before_login(client):
    assert 'class="count"' not in client.get("/login").get_data(as_text=True)


def _add_tasks(app, owner: int | None, n: int, *, status: str = "open") -> None:
    """n extra tasks of the owner on the demo's cases (both workflows), due over a month."""
    svc = services(app)
    with svc.db.write() as s:
        cases = s.execute(select(Case.id, Case.state).order_by(Case.id)).all()
        now = svc.clock.now()
        s.execute(insert(Task), [{
            "case_id": cases[i % len(cases)].id, "key": f"extra_{i}", "state": cases[i % len(cases)].state,
            "role": "job", "assignee_id": owner, "title": f"Extra taak {i}", "created_at": now,
            "due_at": now + timedelta(days=i - n // 2), "remind_before": [], "status": status,
            "completed_by_id": owner if status != "open" else None,
            "completed_at": now - timedelta(hours=i) if status != "open" else None,
        } for i in range(n)])


def test_the_archive_is_paginated_newest_first(app, client):
    _add_tasks(app, user_id(app, AHMED), 30, status="done")
    sign_in(client, AHMED)
    first = client.get("/archief").get_data(as_text=True)
    assert first.count("Extra taak") == 25 and "Volgende pagina" in first and "Vorige pagina" not in first
    assert first.index("Extra taak 0<") < first.index("Extra taak 1<")  # newest first
    second = client.get("/archief?pagina=2").get_data(as_text=True)
    assert second.count("Extra taak") == 5 and "Vorige pagina" in second and "Volgende pagina" not in second
    assert "Extra taak 29<" in second


def _statements_for(app, client, path: str) -> int:
    engine = services(app).db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA"))])


@pytest.mark.parametrize("path", ["/", "/wachtrij", "/?zoek=taak&te_laat=y", "/archief"])
def test_the_task_pages_issue_the_same_number_of_sql_statements_for_5_or_50_tasks(app, client, path):
    sanne = user_id(app, SANNE)
    sign_in(client, SANNE)
    for owner, status in ((sanne, "open"), (None, "open"), (sanne, "done")):
        _add_tasks(app, owner, 5, status=status)
    with_5 = _statements_for(app, client, path)
    for owner, status in ((sanne, "open"), (None, "open"), (sanne, "done")):
        _add_tasks(app, owner, 45, status=status)
    with_50 = _statements_for(app, client, path)
    # Fewer, never more: a list whose first (due-dated) query fills the page skips the second.
    # 9: 8, + the person's saved filters of the list (one indexed query, webui/lists.py).
    assert with_50 <= with_5 <= 9
    page = client.get(path).get_data(as_text=True)
    if path == "/wachtrij":  # 50 rows per queue page: the rest is on the next one
        assert "Volgende pagina" in page
        page += client.get("/wachtrij?pagina=2").get_data(as_text=True)
    if path == "/":  # 50 of my tasks a page, and the coach had one of her own already
        assert "Volgende pagina" in page
        page += client.get("/?pagina=2").get_data(as_text=True)
    assert page.count(">Extra taak ") == {"/": 50, "/wachtrij": 50, "/archief": 25}.get(path, page.count(">Extra taak "))


def test_the_queue_shows_50_tasks_a_page_and_its_next_page_keeps_the_search(app, client):
    sign_in(client, SANNE)
    _add_tasks(app, None, 70)
    first = client.get("/wachtrij?zoek=Extra+taak").get_data(as_text=True)
    listed = first.split('id="wachtrij-lijst"')[1]
    assert listed.count(">Extra taak ") == 50 and "Vorige pagina" not in listed
    assert 'href="/wachtrij?zoek=Extra+taak&amp;pagina=2" rel="next"' in listed
    second = client.get("/wachtrij?zoek=Extra+taak&pagina=2").get_data(as_text=True).split('id="wachtrij-lijst"')[1]
    assert second.count(">Extra taak ") == 20 and "Vorige pagina" in second and "Volgende pagina" not in second
    both = {m for page in (listed, second) for m in re.findall(r">Extra taak (\d+)<", page)}
    assert len(both) == 70  # every task once, none on two pages


def test_a_coach_with_hundreds_of_tasks_pages_through_them_most_urgent_first_with_true_counts(app, client):
    """A page holds 100 tasks in due order; each group's count and the parked count are of all of them."""
    from workflows.usecases.task_inbox import INBOX_PAGE

    sanne = user_id(app, SANNE)
    with services(app).db.write() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id))
        now = utc(2026, 11, 23, 8)
        rows = [{"case_id": case_id, "key": f"extra{i}", "state": "*", "role": "job", "assignee_id": sanne,
                 "title": f"Extra taak {i:03d}", "created_at": now, "status": "open", "remind_before": [],
                 "due_at": now - timedelta(days=1 + i) if i < 150 else now + timedelta(days=30 + i),
                 "follow_up_on": datetime(2026, 12, 14).date() if i >= 200 else None}
                for i in range(230)]
        s.execute(insert(Task), rows)
    sign_in(client, SANNE)
    with services(app).db.read() as s:
        mine = [(t.due_at, t.follow_up_on) for t in s.scalars(
            select(Task).where(Task.assignee_id == sanne, Task.status == "open"))]
    from engine.inbox import due_group, is_parked
    clock_now = services(app).clock.now()
    expected = {g: 0 for g in ("Te laat", "Vandaag", "Deze week", "Later")}
    for due, follow in mine:
        if not is_parked(follow, clock_now):
            expected[due_group(due, clock_now)] += 1
    parked = sum(1 for _due, follow in mine if is_parked(follow, clock_now))
    active = sum(expected.values())
    assert parked == 30 and active > 2 * INBOX_PAGE

    seen: list[str] = []
    page, number = client.get("/").get_data(as_text=True), 1
    while True:
        for group, count in expected.items():
            assert heading_count(page, group) == count, (number, group)
        assert heading_count(page, "Later terugzien") == parked
        titles = [t for group in expected for t in re.findall(
            r'<td data-label="Taak"><a href="[^"]+">([^<]+)</a>', section(page, group))]
        assert len(titles) == (INBOX_PAGE if number * INBOX_PAGE <= active else active - (number - 1) * INBOX_PAGE)
        seen += titles
        nxt = re.search(r'href="([^"]+)" rel="next">', page)
        if not nxt:
            break
        page, number = client.get(nxt.group(1).replace("&amp;", "&")).get_data(as_text=True), number + 1
    assert number == -(-active // INBOX_PAGE) and len(seen) == len(set(seen)) == active
    assert "Extra taak 149" in seen[0:5], "the latest due first: the one overdue longest"
    late_parked = section(client.get("/?pagina=2").get_data(as_text=True), "Later terugzien")
    assert late_parked.count('data-label="Taak"') == 30


def test_the_pages_of_my_tasks_keep_the_filters(app, client):
    sign_in(client, SANNE)
    html = client.get("/?te_laat=y&pagina=1").get_data(as_text=True)
    assert 'rel="next"' not in html  # the demo coach has fewer than a page of late tasks
    assert client.get("/?pagina=abc").status_code == 200
    assert client.get("/?pagina=999999").status_code == 200


def test_a_queue_of_more_than_a_thousand_tasks_shows_as_1000_plus(app, client):
    """The navigation counts the queue up to 1,000 (the count would otherwise grow with history)."""
    with services(app).db.write() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id))
        now = utc(2026, 11, 23, 8)
        s.execute(insert(Task), [{"case_id": case_id, "key": f"q{i}", "state": "*", "role": "job", "assignee_id": None,
                                  "title": f"Wachtrijtaak {i}", "created_at": now, "status": "open",
                                  "remind_before": [], "due_at": now + timedelta(days=3)} for i in range(1005)])
    sign_in(client, SANNE)
    html = client.get("/").get_data(as_text=True)
    assert nav_counts(html)[2] == "1000+"
    assert "Wachtrij: 1000+ taken voor JoB" in " ".join(html.split())
