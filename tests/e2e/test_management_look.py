"""The management view in Debian's chromium: reached from the inbox's menu, no axe-core
violations at 1366 and 390 px (nor on the lists its figures open), nothing wider than a phone,
and screenshots (tests/e2e/screenshots/look-management-*.png) for a person to look at."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot
from tests.e2e.test_look_and_accessibility import PHONE, WIDE, _axe_violations, new_page  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [WIDE, PHONE], ids=["1366", "390"])
def test_the_management_view_is_reached_from_the_inbox_and_passes_axe(live_server, new_page, size):  # noqa: F811
    page = new_page(size)
    login(page, "sanne@job.example")
    page.goto("/")
    menu = page.locator(".job-nav-bar, .job-menu-phone").locator('a[href="/management"]')
    assert menu.count() >= 1
    page.goto("/management")
    assert page.locator("h1").inner_text() == "Managementoverzicht"
    assert _axe_violations(page) == [], f"/management at {size['width']} px"
    assert page.locator("svg.bar-chart title").count() == 4
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= size["width"] + 1, f"the page is {wide} px wide at {size['width']} px"
    assert screenshot(page, f"look-management-{size['width']}").exists()
    links = page.eval_on_selector_all("main a[href^='/plannen?'], main a[href^='/bedrijven?']",
                                      "els => els.map(e => e.getAttribute('href'))")
    kinds = {re.sub(r"=[^&]*", "", h): h for h in links}  # one link of each kind of filter
    assert len(kinds) >= 6
    for href in kinds.values():
        page.goto(href)
        assert _axe_violations(page) == [], href
