"""Refused actions: the page comes back with the form open, the input kept and the Dutch
reason beside it; the database is exactly as it was (state, version and audit trail)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.web.case_support import (  # noqa: F401 - fixtures
    EMPLOYER_KORENAAR,
    EMPLOYER_LCA,
    JOB,
    WSP_GELDERLAND,
    WSP_NIJMEGEN,
    any_csrf,
    case_of,
    case_row,
    db,
    post_action,
    text,
)


def _open_panel(page: str, trigger: str) -> str:
    """The refused form on the action's own page (with the error summary above it)."""
    match = re.search(rf'<form method="post" action="/zaken/\d+/acties/{trigger}"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"the form of {trigger} is not shown"
    return match.group(1)


def test_invalid_vacancy_is_shown_again_with_the_input_and_field_errors(app, client, auth):
    auth.login(JOB)
    case = case_of(app, "Logistiek Centrum Arnhem")
    before = case_row(app, case)
    resp = post_action(client, case, "record_vacancy", {
        "title": "Magazijnmedewerker", "hours_per_week": "veel", "location": "", "tasks": "Karton en folie scheiden",
    })
    assert resp.status_code == 422
    panel = _open_panel(text(resp), "record_vacancy")
    assert 'value="Magazijnmedewerker"' in panel and 'value="veel"' in panel and 'checked id="record_vacancy-tasks-2" name="record_vacancy-tasks" type="checkbox" value="Karton en folie scheiden"' in panel
    assert re.search(r'id="record_vacancy-hours_per_week-error">Vul een aantal uren per week in tussen 0 en 40', panel)
    assert 'id="record_vacancy-location-error">Dit veld is verplicht.' in panel
    assert 'aria-invalid="true"' in panel
    assert case_row(app, case) == before


def test_a_guard_that_says_no_gives_its_reason_and_changes_nothing(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, "Hoveniersbedrijf Groen & Zo")  # the adviesgesprek is planned, not held
    page = text(client.get(f"/zaken/{case}"))
    assert re.search(r'<button type="button" disabled aria-describedby="why-start_company_analysis">'
                     r'Besluit: wel een bedrijfsanalyse</button>\s*<p class="why-not" id="why-start_company_analysis">'
                     r'Het adviesgesprek heeft nog niet plaatsgevonden</p>', page)
    before = case_row(app, case)
    resp = post_action(client, case, "start_company_analysis", reason="toch maar")
    assert resp.status_code == 422
    assert "Het adviesgesprek heeft nog niet plaatsgevonden" in text(resp)
    assert case_row(app, case) == before


def test_hiring_is_disabled_until_a_harrie_is_named(app, client, auth):
    from workflows.domain import invra

    case = case_of(app, "Logistiek Centrum Arnhem")
    auth.login(WSP_GELDERLAND)
    assert post_action(client, case, "record_closing_meeting", {"date": "2026-11-20", "chosen_tasks": ["1"]}) \
        .status_code == 302
    assert post_action(client, case, "record_workplace_profile",
                       {f"c{c}": "1" for c in invra.CODES}).status_code == 302
    assert post_action(client, case, "open_recruitment").status_code == 302
    auth.login(JOB)
    from tests.web.case_support import candidate_id

    kevin = candidate_id(app, "Kevin")
    assert post_action(client, case, "propose_candidate", {"candidate_id": str(kevin)}).status_code == 302
    assert post_action(client, case, "start_interviews").status_code == 302
    assert post_action(client, case, "record_interview", {"candidate_id": str(kevin), "date": "2026-11-20"}) \
        .status_code == 302
    auth.login(EMPLOYER_LCA)
    page = text(client.get(f"/zaken/{case}"))
    assert re.search(r'disabled aria-describedby="why-hire_candidate">Kandidaat aannemen \(start trajectplan\)</button>'
                     r'\s*<p class="why-not" id="why-hire_candidate">Wijs eerst een Harrie \(dagelijks begeleider\) '
                     r'aan: zonder Harrie kan niemand worden aangenomen</p>', page)
    before = case_row(app, case)
    resp = post_action(client, case, "hire_candidate", {"candidate_id": str(kevin), "start_date": "2026-12-01",
                                                        "contract_hours": "20", "fulltime": "nee"})
    assert resp.status_code == 422 and "Wijs eerst een Harrie" in text(resp)
    assert case_row(app, case) == before


def test_an_action_of_another_phase_is_not_possible(app, client, auth):
    auth.login(JOB)
    case = case_of(app, "Hoveniersbedrijf Groen & Zo")
    before = case_row(app, case)
    resp = post_action(client, case, "hire_candidate", {"candidate_id": "1", "start_date": "2026-12-01",
                                                        "contract_hours": "20", "fulltime": "ja"})
    assert resp.status_code == 422
    assert '<p class="flash error" role="alert">Deze actie is in deze fase niet mogelijk.</p>' in text(resp)
    assert case_row(app, case) == before


def test_an_unknown_action_is_not_found(app, client, auth):
    auth.login(JOB)
    case = case_of(app, "Hoveniersbedrijf Groen & Zo")
    before = case_row(app, case)
    assert post_action(client, case, "drop_tables").status_code == 404
    assert case_row(app, case) == before


def test_a_stale_edit_is_refused_with_409_and_the_current_state(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, "Zorgcentrum De Linde")
    seen = case_row(app, case)[1]
    # someone else records something first
    assert post_action(client, case, "record_company_analysis", {"notes": "Eerste versie"}).status_code == 302
    before = case_row(app, case)
    resp = post_action(client, case, "record_company_analysis", {"notes": "Mijn versie"}, version=seen)
    assert resp.status_code == 409
    page = text(resp)
    assert "Iemand anders heeft deze zaak net gewijzigd" in page
    panel = _open_panel(page, "record_company_analysis")
    assert "Mijn versie</textarea>" in panel  # and the user's input is kept
    assert f'expected_version" type="hidden" value="{before[1]}"' in panel  # a retry would now be accepted
    assert case_row(app, case) == before


@pytest.mark.parametrize("email", [WSP_GELDERLAND, EMPLOYER_LCA, "harrie@korenaar.example"])
def test_another_regions_or_companys_trajectory_is_not_found(app, client, auth, email):
    case = case_of(app, "Zorgcentrum De Linde")  # Nijmegen region
    auth.login(email)
    resp = client.get(f"/zaken/{case}")
    assert resp.status_code == 404 and "Niet gevonden" in text(resp)
    assert "Zorgcentrum De Linde" not in text(resp)
    for sub in ("gegevens", "notities"):  # the overview's sub-pages: the same access check
        assert client.get(f"/zaken/{case}/{sub}").status_code == 404, sub
    before = case_row(app, case)
    own = case_of(app, "Logistiek Centrum Arnhem" if email != "harrie@korenaar.example" else "Bakkerij De Korenaar")
    token = any_csrf(text(client.get(f"/zaken/{own}")))
    resp = client.post(f"/zaken/{case}/acties/stop", data={"stop-csrf_token": token, "stop-reason": "anders",
                                                           "stop-explanation": "weg ermee"})
    assert resp.status_code == 404
    assert case_row(app, case) == before
    assert client.get("/zaken/999999").status_code == 404


def test_a_post_without_csrf_token_is_rejected(app, client, auth):
    auth.login(JOB)
    case = case_of(app, "Zorgcentrum De Linde")
    before = case_row(app, case)
    resp = post_action(client, case, "stop", {"reason": "anders", "explanation": "x"}, csrf=False)
    assert resp.status_code == 400
    assert case_row(app, case) == before


def test_case_history_reads_actor_names_in_one_query(app, client, auth):
    """No N+1: 22 audit rows by four people, one query for their names."""
    auth.login(EMPLOYER_KORENAAR)
    case = case_of(app, "Bakkerij De Korenaar")
    statements: list[str] = []
    engine = db(app).engine
    listener = lambda *a: statements.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = text(client.get(f"/zaken/{case}/notities"))  # the case's history
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.count('<span class="who">') >= 20
    user_queries = [s for s in statements if "FROM app_user" in s]
    assert len(user_queries) <= 3, user_queries  # the logged-in user, the names, the Harrie choices
    # Fixed, whatever the trail's length: 19, plus the loaded INVRA labels (2) and the case's notes and
    # documents (access check, notes, documents).
    assert len([s for s in statements if s.startswith("SELECT")]) < 25
