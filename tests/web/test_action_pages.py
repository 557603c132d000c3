"""A page per action (`/zaken/<id>/acties/<action>`): the form generated from the action, the error
summary at the top with links to the fields, input kept, a reloadable URL, and a confirmation
step for what cannot be undone. Demo data with running plans, fixed clock (tests/web/test_plan_page.py)."""

from __future__ import annotations

import re

import pytest

from engine.identity import tokens
from tests.web import test_plan_page as plan_page
from tests.web.test_plan_page import BOSS, HARRIE, JOB

# The plan page's fixtures: the demo with running plans, a fresh copy per test, a logged-in client.
demo_file, app, client, web = plan_page.demo_file, plan_page.app, plan_page.client, plan_page.web


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def open_form(web, case_id: int, action: str, expect: int = 200) -> str:
    r = web.client.get(f"/zaken/{case_id}/acties/{action}")
    assert r.status_code == expect, r.get_data(as_text=True)[:3000]
    return r.get_data(as_text=True)


def send(web, case_id: int, action: str, data: dict):
    html = open_form(web, case_id, action)
    form = {"csrf_token": csrf(html), "expected_version": str(web.version(case_id)), **data}
    return web.client.post(f"/zaken/{case_id}/acties/{action}", data=form)


def test_the_evaluation_form_is_generated_from_the_action_with_dutch_labels_and_the_right_inputs(web):
    web.login(JOB)
    html = open_form(web, web.plan_of("Daan"), "record_evaluation")
    assert "<h1>Evaluatie vastleggen</h1>" in html
    assert '<input type="date" id="veld-held_on" name="held_on"' in html
    assert '<textarea id="veld-discussed" name="discussed"' in html
    assert re.search(r'<select id="veld-milestone" name="milestone"[^>]*>\s*<option value="maand3_1|<option value="[a-z0-9_]+" selected>Evaluatie actieplan 1', html)
    assert "Stand per doel" in html and "Doel &#39;" in html  # one row per running goal, named by its text
    assert "Er is een probleem" not in html


def test_an_empty_evaluation_is_refused_with_a_summary_linking_each_field_and_the_input_kept(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    r = send(web, case_id, "record_evaluation", {"held_on": "", "discussed": "", "next_steps": "Volgende week weer"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'tabindex="-1" autofocus' in summary and "Er is een probleem" in summary
    assert '<a href="#veld-held_on">Gehouden op: dit veld is verplicht.</a>' in summary  # the field named
    assert '<a href="#veld-discussed">Wat is besproken: dit veld is verplicht.</a>' in summary
    assert 'id="veld-held_on-fout"' in html and 'aria-invalid="true"' in html
    assert ">Volgende week weer</textarea>" in html  # what was typed stays
    assert web.everything() == before
    reload = web.client.get(f"/zaken/{case_id}/acties/record_evaluation")
    assert reload.status_code == 200 and "Er is een probleem" not in reload.get_data(as_text=True)


def test_a_goal_row_without_a_status_names_the_goal_in_plain_dutch(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    html = open_form(web, case_id, "record_evaluation")
    row = re.search(r'name="(goal_reviews-(\d+)-note)"', html)
    r = send(web, case_id, "record_evaluation", {"held_on": "2026-11-23", "discussed": "Goed gesprek",
                                                 row.group(1): "Gaat beter"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    message = re.search(rf'<a href="#veld-goal_reviews-{row.group(2)}-status">(Doel &#39;[^<]+&#39;: kies een status.)</a>', html)
    assert message, html[:4000]
    assert "Regel 1" not in html and "goal_id" not in html and " status:" not in html


def test_an_evaluation_recorded_through_its_page_redirects_to_the_plan_with_a_flash(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    r = send(web, case_id, "record_evaluation", {"held_on": "2026-11-23", "discussed": "Goed gesprek"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/plannen/{case_id}")
    page = web.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Vastgelegd: Evaluatie vastleggen." in page


def test_stopping_a_plan_asks_for_confirmation_and_writes_nothing_before_it(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    r = send(web, case_id, "stop", {"reason": "uitval"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Het plan van Daan Verhoeven stopt voorgoed. Dit kunt u niet terugdraaien." in html
    assert ">Ja, plan stoppen</button>" in html and 'name="bevestigd" value="1"' in html
    assert 'name="reason" value="uitval"' in html
    assert web.everything() == before
    confirm = {"csrf_token": csrf(html), "expected_version": re.search(
        r'name="expected_version" value="(\d+)"', html).group(1), "reason": "uitval", "bevestigd": "1"}
    done = web.client.post(f"/zaken/{case_id}/acties/stop", data=confirm)
    assert done.status_code == 302
    assert web.everything() != before


def test_a_date_far_in_the_past_is_refused_next_to_its_field(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    r = send(web, case_id, "log_hours", {"worked_on": "1999-05-01", "hours": "2", "activity": "werkvloer"})
    assert r.status_code == 422
    assert '<a href="#veld-worked_on">Datum: de datum ligt meer dan 2 jaar in het verleden.</a>' in r.get_data(
        as_text=True)


def test_the_employer_signs_on_the_sign_page_with_only_her_own_party(web):
    web.login(BOSS)
    case_id = web.plan_of("Daan")
    html = open_form(web, case_id, "sign")
    assert re.findall(r'<option value="([a-z]+)"', html.split('id="veld-party"')[1].split("</select>")[0]) \
        == ["opdrachtgever"]


def test_harrie_gets_no_form_for_an_action_of_job(web):
    web.login(HARRIE)
    html = open_form(web, web.plan_of("Daan"), "stop", expect=403)
    assert "<form method=\"post\" action=\"/zaken" not in html


def test_the_inbox_button_of_an_action_task_opens_the_action_page(web):
    web.login(BOSS)
    html = web.client.get("/").get_data(as_text=True)
    link = re.search(r'href="(/zaken/\d+/acties/sign)">Ondertekenen', html)
    assert link, html
    assert web.client.get(link.group(1)).status_code == 200


# -- who reads what: JoB's money and the interview notes -------------------------------------------


@pytest.mark.parametrize("email, sees", [(JOB, True), (BOSS, False), (HARRIE, False)])
def test_the_rate_the_uwv_money_and_the_interview_notes_are_for_job_only(web, email, sees):
    from workflows.storage.plan_models import PlanEvaluation

    case_id = web.plan_of("Daan")
    with web.db.write() as s:  # an interview note, as the INVRA observation records it
        ev = s.query(PlanEvaluation).filter_by(plan_case_id=case_id).first()
        ev.interview_candidate, ev.interview_harrie = "Ik vind de vroege dienst zwaar", "Hij leert snel"
    web.login(email)
    html = web.page(case_id)
    for text in ("Uurtarief JoB", "€ 40,00", "Vergoed door UWV", "Ik vind de vroege dienst zwaar", "Hij leert snel"):
        assert (text in html) == sees, text
    secret = tokens.create_token(web.db, web.app.extensions["jobtraject"].clock, web.actor(email).user_id,
                                 "test").secret
    api = web.client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    body = api.get_data(as_text=True)  # the API's plan has no money or notes for anyone (case data only)
    for text in ("hourly_rate", "40.0", "Ik vind de vroege dienst zwaar", "Hij leert snel"):
        assert text not in body, text
