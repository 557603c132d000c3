"""A real browser (Debian's chromium via Playwright) against the app served on 127.0.0.1.

The app runs in a thread of the test process on a free port, on a copy of the demo
database with a fixed clock (tests/browser.py, tests/conftest.py). A missing browser fails the tests (run `make browser`):
they never download one and never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium, serving
from tests.conftest import demo_app
from tests.totp import browser_second_step, prepare_login, register_server
from workflows.demo import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class LiveServer:
    def __init__(self, app, url: str) -> None:
        self.app = app
        self.url = url

    @property
    def services(self):
        return self.app.extensions["jobtraject"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, demo_db_file) -> Iterator[LiveServer]:
    app = demo_app(tmp_path_factory.mktemp("e2e"), demo_db_file, SECRET_KEY=os.urandom(16).hex(), TESTING=False)
    with serving(app) as url:
        register_server(app.extensions["jobtraject"])  # login() computes second-step codes with it
        yield LiveServer(app, url)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser context (own cookies) per user; closed after the test."""
    contexts = []

    def make(viewport: dict[str, int] | None = None):
        ctx = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP, locale="nl-NL")
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form, then the second step's code when the app asks for it."""
    prepare_login(email)  # JoB/WSP/admin are enrolled, so the login goes straight to the code
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    browser_second_step(page, email)
    assert "/login" not in page.url, f"login failed for {email}"


def screenshot(page, name: str) -> Path:
    """Full-page screenshot into tests/e2e/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
