"""Later phases choose departments and tasks from what the bedrijfsanalyse recorded, instead of
typing them again: the form offers them as choices, and a value not among them is refused with a
Dutch reason, on the web and through the API (one rule: `company_records.known_departments`,
`analysed_tasks`)."""

from __future__ import annotations

import re

from tests.web.case_support import JOB, WSP_NIJMEGEN, case_of, case_row, post_action, text

ARNHEM = "Logistiek Centrum Arnhem"  # eindgesprek; analysis: Inslag, Retouren; three tasks
LINDE = "Zorgcentrum De Linde"  # bedrijfsanalyse under way


def test_the_vacancy_form_offers_the_analysis_tasks_as_checkboxes(app, client, auth):
    auth.login(JOB)
    html = text(client.get(f"/zaken/{case_of(app, ARNHEM)}/acties/record_vacancy"))
    boxes = re.findall(r'<input[^>]*name="record_vacancy-tasks" type="checkbox" value="([^"]+)"', html)
    assert boxes == ["Retouren uitpakken en sorteren", "Labels plakken op herverpakte dozen", "Karton en folie scheiden"]
    assert "<textarea" not in html.split('name="record_vacancy-tasks"')[0].rsplit("<fieldset", 1)[-1]


def test_a_vacancy_task_not_in_the_analysis_is_refused_with_the_choices(app, client, auth):
    auth.login(JOB)
    case = case_of(app, ARNHEM)
    before = case_row(app, case)
    resp = post_action(client, case, "record_vacancy", {"title": "Medewerker retouren", "hours_per_week": "24",
                                                        "location": "Arnhem", "tasks": ["Heftruck rijden"]})
    assert resp.status_code == 422
    assert re.search(r'id="record_vacancy-tasks-error">Deze taken staan niet in de bedrijfsanalyse: Heftruck rijden\. '
                     r"Kies uit: Retouren uitpakken en sorteren", text(resp))
    assert case_row(app, case) == before


def test_a_task_department_is_chosen_from_the_departments_recorded(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, LINDE)
    html = text(client.get(f"/zaken/{case}/acties/record_company_analysis"))
    select = re.search(r'<select id="record_company_analysis-tasks-0-department".*?</select>', html, re.S).group(0)
    known = case_row(app, case)[3]["advisory_meeting"]["departments"]
    assert re.findall(r'<option[^>]*value="([^"]*)"', select) == ["", *[d["name"] for d in known]]
    before = case_row(app, case)
    resp = post_action(client, case, "record_company_analysis", {"tasks-0-title": "Koffie schenken",
                                                                 "tasks-0-department": "Kantine"})
    assert resp.status_code == 422
    assert "Regel 1, afdeling: kies een afdeling uit de analyse:" in text(resp)
    assert case_row(app, case) == before

