"""The plan page and the company case page are overviews of at most three screens at 1366x768
(JoB's view of the demo), each section one link away; the sub-pages keep what the page had.

Screenshots of the overview and a section page at 1366 and 390 px go to tests/e2e/screenshots/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.store.models import Case
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENS = 3
JOB = "sanne@job.example"


def _cases(live_server, workflow: str) -> list[int]:
    with live_server.services.db.read() as s:
        return list(s.scalars(select(Case.id).where(Case.workflow == workflow).order_by(Case.id)))


def _height(page, path: str) -> int:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_plan_overview_fits_in_three_screens_and_links_every_section(live_server, new_page):
    page = new_page(LAPTOP)
    login(page, JOB)
    plan = _cases(live_server, "candidate_plan")[0]
    height = _height(page, f"/plannen/{plan}")
    screenshot(page, "overview-plan-1366")
    assert height <= SCREENS * LAPTOP["height"], f"plan overview is {height} px"
    nav = page.get_by_role("navigation", name="Onderdelen van het plan")
    for name in ("Doelen", "Evaluaties", "INVRA", "Uren", "Instrumenten", "Plan en ondertekening"):
        nav.get_by_role("link", name=name, exact=True).click()
        assert page.get_by_role("link", name="Trajectplan #" + str(plan)).is_visible()  # the breadcrumb back
    page.goto(f"/plannen/{plan}/doelen")
    screenshot(page, "section-doelen-1366")


def test_every_company_case_page_fits_in_three_screens(live_server, new_page):
    page = new_page(LAPTOP)
    login(page, JOB)
    heights = {case: _height(page, f"/zaken/{case}") for case in _cases(live_server, "company_trajectory")}
    screenshot(page, "overview-company-1366")
    too_long = {case: h for case, h in heights.items() if h > SCREENS * LAPTOP["height"]}
    assert not too_long, f"company case pages longer than three screens: {too_long}"


def test_screenshots_of_the_overviews_on_a_phone(live_server, new_page):
    page = new_page(PHONE)
    login(page, JOB)
    page.goto(f"/plannen/{_cases(live_server, 'candidate_plan')[0]}")
    screenshot(page, "overview-plan-390")
    page.goto(f"/zaken/{_cases(live_server, 'company_trajectory')[0]}")
    screenshot(page, "overview-company-390")
