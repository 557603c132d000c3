"""Mijn taken, the queue and the archive as a coach reads them: empty groups on one line,
filters folded away until used, columns sorted on the server, the archive counted and numbered.

The app's clock stands still on Monday 23 November 2026, 09:00 in Amsterdam.
"""

from __future__ import annotations

import re

from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    AHMED,
    SANNE,
    actor,
    folded,
    services,
    sign_in,
    user_id,
)
from tests.web.test_inbox_pages import _add_tasks


def test_empty_groups_fold_into_one_line_and_the_filters_fold_away(client):
    sign_in(client, SANNE)  # one late task, nothing today, this week, later or parked
    html = client.get("/").get_data(as_text=True)
    assert folded(html) == ["Vandaag", "Deze week", "Later", "Later terugzien"]
    assert html.count("Geen taken") == 2  # the folded line and the parked line, no group of its own
    assert '<details class="job-filters">' in html  # closed
    filtered = client.get("/?te_laat=y").get_data(as_text=True)
    assert '<details class="job-filters" open>' in filtered and "filter actief" in filtered


def _titles(html: str) -> list[str]:
    return re.findall(r'<td data-label="Taak"><a href="[^"]+">([^<]+)</a>', html)


def test_the_queue_sorts_by_a_column_on_the_server_both_ways(app, client):
    _add_tasks(app, None, 12)
    sign_in(client, SANNE)
    up = _titles(client.get("/wachtrij?sorteer=taak").get_data(as_text=True))
    down = _titles(client.get("/wachtrij?sorteer=taak&richting=af").get_data(as_text=True))
    assert up == sorted(up) and down == sorted(down, reverse=True) and len(up) == len(down) >= 12
    html = client.get("/wachtrij?sorteer=taak").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and "sorteer=taak&amp;richting=af" in html
    r = client.get("/wachtrij?sorteer=drop+table")  # unknown: refused in Dutch, the list by urgency
    assert r.status_code == 400 and "Deze lijst kan niet sorteren op &#39;drop table&#39;" in r.get_data(as_text=True)
    assert _titles(r.get_data(as_text=True)) == _titles(client.get("/wachtrij").get_data(as_text=True))


def test_my_tasks_sort_within_each_urgency_group(app, client):
    _add_tasks(app, user_id(app, SANNE), 10)
    sign_in(client, SANNE)
    html = client.get("/?sorteer=taak&richting=af").get_data(as_text=True)
    late = html.split('id="groep-1"')[1].split("</section>")[0]
    titles = _titles(late)
    assert len(titles) > 2 and titles == sorted(titles, reverse=True)


def test_the_archive_shows_its_total_and_page_numbers(app, client):
    _add_tasks(app, user_id(app, AHMED), 60, status="done")
    sign_in(client, AHMED)
    html = client.get("/archief?pagina=2").get_data(as_text=True)
    total = int(re.search(r"(\d+) afgeronde en vervallen taken, pagina 2 van (\d+)", html).group(1))
    assert total >= 60
    assert 'aria-current="page">2<' in html and 'href="/archief?pagina=3"' in html and 'rel="prev"' in html
