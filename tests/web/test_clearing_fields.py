"""Emptying a field that was filled in before: an optional field is cleared, a required one is
refused with a Dutch reason next to it; never is the old value kept silently (one rule, in
`workflows.domain.payload_form.Form`). The same on the web form and through the API."""

from __future__ import annotations

from tests.web.case_support import JOB, WSP_NIJMEGEN, case_of, case_row, post_action, text

GROEN = "Hoveniersbedrijf Groen & Zo"  # in adviesgesprek
ARNHEM = "Logistiek Centrum Arnhem"  # in eindgesprek


def _ok(resp) -> None:
    assert resp.status_code == 302, text(resp)[:2000]


def test_clearing_the_advisory_meeting_date_on_the_form_clears_it(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, GROEN)
    _ok(post_action(client, case, "record_advisory_meeting", {"date": "2026-11-20", "notes": "Kennismaking"}))
    assert case_row(app, case)[3]["advisory_meeting"]["date"] == "2026-11-20"
    _ok(post_action(client, case, "record_advisory_meeting", {"date": "", "notes": "Kennismaking"}))
    meeting = case_row(app, case)[3]["advisory_meeting"]
    assert "date" not in meeting and meeting["notes"] == "Kennismaking"


def test_the_form_shows_what_was_recorded_so_saving_it_unchanged_keeps_it(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, GROEN)
    _ok(post_action(client, case, "record_advisory_meeting", {"date": "2026-11-20", "support": "groot"}))
    page = text(client.get(f"/zaken/{case}/acties/record_advisory_meeting"))
    assert 'type="date" value="2026-11-20"' in page and '<option selected value="groot">' in page


def test_clearing_a_required_date_is_refused_next_to_the_field_and_nothing_changes(app, client, auth):
    auth.login(JOB)
    case = case_of(app, ARNHEM)
    _ok(post_action(client, case, "record_closing_meeting", {"date": "2026-11-20", "notes": "Start in januari"}))
    before = case_row(app, case)
    resp = post_action(client, case, "record_closing_meeting", {"date": "", "notes": "Start in januari"})
    assert resp.status_code == 422
    html = text(resp)
    assert 'id="record_closing_meeting-date-error">Dit veld is verplicht.' in html
    assert case_row(app, case) == before and before[3]["closing_meeting"]["date"] == "2026-11-20"


def test_clearing_optional_notes_of_the_closing_meeting_removes_them(app, client, auth):
    auth.login(JOB)
    case = case_of(app, ARNHEM)
    _ok(post_action(client, case, "record_closing_meeting", {"date": "2026-11-20", "notes": "Start in januari"}))
    _ok(post_action(client, case, "record_closing_meeting", {"date": "2026-11-21", "notes": "  "}))
    assert case_row(app, case)[3]["closing_meeting"] == {"date": "2026-11-21", "chosen_tasks": []}


def test_an_empty_form_is_still_refused(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, GROEN)
    before = case_row(app, case)
    resp = post_action(client, case, "record_advisory_meeting", {})
    assert resp.status_code == 422 and "Vul ten minste één gegeven in." in text(resp)
    assert case_row(app, case) == before
