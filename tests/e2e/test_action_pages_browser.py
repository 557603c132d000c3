"""End to end in Debian's chromium: a coach's morning and an employer's signing, through the action pages.

Sanne takes the evaluation task from the queue, opens it from her inbox, sends the form with a
mistake (no date), sees the error summary with focus on it, corrects it, and the task is gone from
her inbox. Marieke opens "Ondertekenen" from her inbox, confirms nothing else and signs.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from engine.clock import FixedClock
from tests.browser import serving
from tests.e2e.conftest import LiveServer, login, screenshot
from tests.helpers import T0
from tests.totp import register_server
from webui import create_app
from webui.migrate import upgrade
from workflows.demo import load_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo with its plans four months in (evaluations due, a version to sign), served."""
    path = tmp_path_factory.mktemp("e2e-plans") / "demo.db"
    upgrade(f"sqlite:///{path}")
    config = {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": os.urandom(16).hex(), "TESTING": False}
    app = create_app(config, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"], running_plans=True)
    with serving(app) as url:
        register_server(app.extensions["jobtraject"])
        yield LiveServer(app, url)


def test_a_coachs_morning_mistake_summary_correction_and_the_task_is_gone(live_server, new_page):
    page = new_page()
    login(page, "sanne@job.example")
    page.goto("/wachtrij")
    row = page.locator("tr", has_text="Evaluatie actieplan 1 houden").first
    row.get_by_role("button", name="Oppakken").click()
    page.goto("/")
    button = page.locator("a.button[href*='/acties/record_evaluation']").first
    expect(button).to_be_visible()
    task_url = button.get_attribute("href")
    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluatie vastleggen")
    page.get_by_label("Wat is besproken").fill("Vroege dienst gaat goed; kratten sneller gestapeld.")
    page.get_by_role("button", name="Evaluatie vastleggen").click()
    summary = page.locator("#foutmelding")
    expect(summary).to_contain_text("Er is een probleem")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Wat is besproken")).to_have_value("Vroege dienst gaat goed; kratten sneller gestapeld.")
    screenshot(page, "actie-foutmelding")
    summary.get_by_role("link").first.click()
    expect(page.locator("#veld-held_on")).to_be_focused()
    page.locator("#veld-held_on").fill("2026-11-23")
    page.get_by_role("button", name="Evaluatie vastleggen").click()
    expect(page.locator(".flash")).to_contain_text("Vastgelegd: Evaluatie vastleggen.")
    page.goto("/")
    expect(page.locator(f"a[href='{task_url}']")).to_have_count(0)


def test_the_employer_signs_from_her_inbox(live_server, new_page):
    page = new_page()
    login(page, "marieke@korenaar.example")
    page.locator("a.button[href*='/acties/sign']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ondertekenen")
    expect(page.get_by_label("Namens")).to_have_value("opdrachtgever")
    page.get_by_role("button", name="Ondertekenen").click()
    expect(page.locator(".flash")).to_contain_text("Vastgelegd: Ondertekenen.")
    page.goto("/")
    expect(page.locator("a.button[href*='/acties/sign']")).to_have_count(0)
