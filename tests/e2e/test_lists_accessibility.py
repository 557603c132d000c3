"""axe-core on the pages issue 19's lists added, in their open and refused states: the saved
filters panel, the candidate filters, the caseload view with all tasks chosen, the search
box's vacancies and the candidate page's INVRA profiles over time."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot
from tests.e2e.test_look_and_accessibility import WIDE, _axe_violations
from tests.e2e.test_look_and_accessibility import new_page as axe_page  # noqa: F401 - the CSP-bypassing page
from tests.plan_steps import PlanSteps
from tests.web.inbox_support import actor

pytestmark = pytest.mark.e2e


def test_the_list_pages_have_no_axe_violations_open_and_refused(live_server, axe_page):  # noqa: F811
    app = live_server.app
    steps = PlanSteps(live_server.services)
    today = live_server.services.clock.now().date()
    levels = {f"{n:02d}": 1 + n % 3 for n in range(1, 39)}
    steps.record_observation(actor(app, "sanne@job.example"), 2, observed_on=today.replace(day=1), scores=levels)
    page = axe_page(WIDE)
    login(page, "sanne@job.example")
    checked = {}
    for path, open_panel in [("/bedrijven?sorteer=regio", True), ("/kandidaten?doelgroep=wajong&plan=nee", True),
                             ("/kandidaten?doelgroep=xx", False), ("/archief?sorteer=onbekend", True),
                             ("/overdragen?alles=1", False), ("/zoeken?q=medewerker", False),
                             ("/kandidaten/1", False)]:
        page.goto(path)
        if open_panel:
            page.locator("#opgeslagen-filters summary").click()
        checked[path] = _axe_violations(page)
    page.goto("/wachtrij")
    page.locator("#opgeslagen-filters summary").click()
    page.get_by_role("button", name="Bewaren").click()  # refused: no name
    checked["/wachtrij (refused save)"] = _axe_violations(page)
    screenshot(page, "lists-refused-save")
    page.goto("/kandidaten/1")
    screenshot(page, "candidate-invra-over-time")
    page.goto("/overdragen?alles=1")
    screenshot(page, "caseload-select-all")
    assert {p: v for p, v in checked.items() if v} == {}
