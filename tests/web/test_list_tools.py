"""Lists that behave: sortable columns and saved filters on Mijn taken, Wachtrij, Archief,
Bedrijven and Kandidaten (one mechanism: webui/lists.py), and the candidate list's filters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    AHMED,
    LISA,
    SANNE,
    csrf,
    services,
    sign_in,
    state,
    user_id,
)
from workflows.storage.list_models import SavedFilter


def saved(app) -> list[tuple]:
    with services(app).db.read() as s:
        return [tuple(r) for r in s.execute(select(SavedFilter.user_id, SavedFilter.list_key, SavedFilter.name,
                                                   SavedFilter.query).order_by(SavedFilter.id))]


def save(client, key: str, name: str, query: str = "", page: str = "/"):
    return client.post(f"/lijsten/{key}/filters" + (f"?{query}" if query else ""),
                       data={"csrf_token": csrf(client, page), "naam": name})


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/kandidaten/\d+">([^<]+)</a>', html)


def filter_links(html: str) -> dict[str, int]:
    return {n: int(i) for i, n in re.findall(r'<a href="/filters/(\d+)"[^>]*>([^<]+)</a>', html)}


@pytest.mark.parametrize(("path", "key"), [("/", "taken"), ("/wachtrij", "wachtrij"), ("/archief", "archief"),
                                           ("/bedrijven", "bedrijven"), ("/kandidaten", "kandidaten")])
def test_every_list_saves_its_filter_and_sort_for_me_alone(app, client, path, key):
    sign_in(client, SANNE)
    query = "sorteer=zaak&richting=af" if key in ("taken", "wachtrij", "archief") else "sorteer=naam&richting=af"
    r = save(client, key, "  Mijn   volgorde ", query + "&pagina=3", path)
    assert r.status_code == 302 and r.headers["Location"] == f"{path}?{query}"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Het filter &#39;Mijn volgorde&#39; is bewaard" in page
    assert 'aria-current="true">Mijn volgorde</a>' in page  # the filter in use is marked
    fid = filter_links(page)["Mijn volgorde"]
    assert saved(app) == [(user_id(app, SANNE), key, "Mijn volgorde", query)]  # no page number kept
    assert client.get(f"/filters/{fid}").headers["Location"] == f"{path}?{query}"
    sign_in(client, AHMED)
    assert "Mijn volgorde" not in client.get(path).get_data(as_text=True)


def test_someone_elses_saved_filter_can_neither_be_used_nor_deleted(app, client):
    sign_in(client, SANNE)
    save(client, "wachtrij", "Te laat", "te_laat=y", "/wachtrij")
    (fid,) = filter_links(client.get("/wachtrij").get_data(as_text=True)).values()
    sign_in(client, AHMED)
    before = state(app), saved(app)
    r = client.get(f"/filters/{fid}")
    assert r.status_code == 404  # as for any page one may not see: nothing said about whose it is
    assert "Deze pagina bestaat niet of u heeft er geen toegang toe." in r.get_data(as_text=True)
    r = client.post(f"/filters/{fid}/verwijderen", data={"csrf_token": csrf(client, "/")})
    assert r.status_code == 404 and (state(app), saved(app)) == before
    sign_in(client, SANNE)
    r = client.post(f"/filters/{fid}/verwijderen", data={"csrf_token": csrf(client, "/")})
    assert r.status_code == 302 and r.headers["Location"] == "/wachtrij"
    assert "Het filter &#39;Te laat&#39; is verwijderd." in client.get("/wachtrij").get_data(as_text=True)
    assert saved(app) == []


@pytest.mark.parametrize(("name", "message"), [
    ("   ", "Geef het filter een naam."),
    ("x" * 81, "De naam is te lang (hoogstens 80 tekens)."),
    ("vroeg", "U heeft al een filter met deze naam bij deze lijst; kies een andere naam."),
])
def test_a_filter_without_a_good_name_is_refused_in_dutch_with_the_list_and_input_kept(app, client, name, message):
    sign_in(client, SANNE)
    save(client, "kandidaten", "Vroeg", "sorteer=geregistreerd", "/kandidaten")
    before = saved(app)
    r = save(client, "kandidaten", name, "doelgroep=wajong&sorteer=naam", "/kandidaten")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'<p class="form-error" role="alert" tabindex="-1" autofocus>Het filter is niet bewaard: {message}</p>' in html
    assert f'<span class="error" id="filter-naam-fout-kandidaten">{message}</span>' in html
    assert 'aria-invalid="true"' in html and f'value="{name}"' in html
    assert names(html) == ["Daan Verhoeven", "Kevin Smits", "Mohamed Ouali"]  # the filtered list, still shown
    assert saved(app) == before


def test_saving_a_filter_without_the_form_token_writes_nothing(app, client):
    sign_in(client, SANNE)
    r = client.post("/lijsten/taken/filters?te_laat=y", data={"naam": "Zonder token"})
    assert r.status_code == 400 and saved(app) == []
    assert client.post("/lijsten/onbekend/filters", data={"csrf_token": csrf(client), "naam": "x"}).status_code == 404
    sign_in(client, LISA)  # a list one cannot open takes no saved filter either
    assert client.post("/lijsten/kandidaten/filters", data={"csrf_token": csrf(client), "naam": "x"}).status_code == 404
    assert saved(app) == []


@pytest.mark.parametrize("path", ["/", "/wachtrij", "/archief", "/bedrijven", "/kandidaten"])
def test_an_unknown_sort_column_is_refused_in_dutch_and_the_list_keeps_its_order(app, client, path):
    sign_in(client, SANNE)
    plain = client.get(path).get_data(as_text=True)
    r = client.get(path + "?sorteer=password&richting=af")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert ('<p class="flash error" role="alert">Deze lijst kan niet sorteren op &#39;password&#39;. Kies een '
            "kolomkop; de lijst staat nu in de gewone volgorde.</p>") in html
    def rows(page: str) -> list[str]:
        return re.findall(r'<td[^>]*><a href="(/[a-z]+/\d+)">', page)
    assert rows(html) == rows(plain) and rows(plain)
    assert client.get(path + "?richting=omhoog").status_code == 400


def test_the_company_list_sorts_by_its_columns_with_accessible_headers(app, client):
    sign_in(client, SANNE)
    def companies(query: str) -> list[str]:
        html = client.get("/bedrijven" + query).get_data(as_text=True).replace("&amp;", "&")
        return re.findall(r'<a href="/bedrijven/\d+">([^<]+)</a>', html)
    by_name = companies("")
    assert by_name == sorted(by_name, key=str.lower) and companies("?sorteer=naam&richting=af") == by_name[::-1]
    html = client.get("/bedrijven?sorteer=regio").get_data(as_text=True)
    assert '<th scope="col" aria-sort="ascending">' in html and "sorteer=regio&amp;richting=af" in html
    regions = re.findall(r"</td>\s*<td>([^<]+)</td>\s*<td>", html)
    assert regions == sorted(regions) and len(set(regions)) == 2


def test_the_archive_sorts_in_sql_so_the_pages_follow_each_other(app, client):
    sign_in(client, SANNE)
    html = client.get("/archief").get_data(as_text=True)
    assert '<th scope="col" aria-sort="descending">' in html and "de nieuwste eerst" in html
    up = client.get("/archief?sorteer=taak").get_data(as_text=True)
    titles = re.findall(r'<td data-label="Taak"><a href="/zaken/\d+">([^<]+)</a>', up)
    assert titles and titles == sorted(titles)


def test_candidates_filter_by_target_group_register_and_running_plan_with_sort_and_saved_filter(app, client):
    sign_in(client, SANNE)
    assert names(client.get("/kandidaten?doelgroep=wajong").get_data(as_text=True)) == [
        "Daan Verhoeven", "Kevin Smits", "Mohamed Ouali"]
    assert names(client.get("/kandidaten?register=nee").get_data(as_text=True)) == ["Sophie de Graaf"]
    running = names(client.get("/kandidaten?plan=ja").get_data(as_text=True))
    assert running and all(n in ("Daan Verhoeven", "Noor Bosman") for n in running)
    html = client.get("/kandidaten?doelgroep=wajong&register=ja&plan=nee&sorteer=naam&richting=af").get_data(
        as_text=True)
    expected = [n for n in ["Mohamed Ouali", "Kevin Smits", "Daan Verhoeven"] if n not in running]
    assert names(html) == expected
    assert '<option value="wajong" selected>Wajong</option>' in html and "filter actief" in html
    r = save(client, "kandidaten", "Wajong zonder plan", "doelgroep=wajong&register=ja&plan=nee&sorteer=naam&richting=af",
             "/kandidaten")
    assert names(client.get(r.headers["Location"]).get_data(as_text=True)) == expected


def test_a_candidate_filter_value_it_does_not_know_is_refused_in_dutch(app, client):
    sign_in(client, SANNE)
    r = client.get("/kandidaten?doelgroep=onbekend&plan=misschien")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Kies een doelgroep uit de lijst." in html and "Kies ja of nee bij lopend plan." in html
    assert len(names(html)) == 6  # the filters it did not know are left out
    with services(app).db.read() as s:
        assert s.scalar(select(func.count()).select_from(SavedFilter)) == 0


def test_free_search_text_is_not_kept_in_a_saved_filter_and_the_panel_says_so(app, client):
    sign_in(client, SANNE)
    html = client.get("/?zoek=Daan&te_laat=y").get_data(as_text=True)
    assert "De zoektekst wordt niet bewaard (die kan een naam zijn)" in html
    r = save(client, "taken", "Te laat", "zoek=Daan&te_laat=y")
    assert r.headers["Location"] == "/?te_laat=y" and saved(app)[0][3] == "te_laat=y"
