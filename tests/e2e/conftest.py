"""A real browser (Debian's chromium via Playwright) against the app served on 127.0.0.1.

The app runs in a thread of the test process on a free port, on a migrated SQLite file with
the demo data and a fixed clock. A missing browser fails the tests (run `make browser`):
they never download one and never skip.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.clock import FixedClock
from tests.helpers import T0
from tests.totp import browser_second_step, prepare_login, register_server
from webui import create_app
from webui.migrate import upgrade
from workflows.demo import DEMO_PASSWORD, load_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
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
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'e2e.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": os.urandom(16).hex()}, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        register_server(app.extensions["jobtraject"])  # login() computes second-step codes with it
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["jobtraject"].db.dispose()


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
