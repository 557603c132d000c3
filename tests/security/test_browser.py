"""In a real browser (Debian's chromium): a JoB coach enrols the second step at first login
by scanning nothing but typing the shown key's code, and no page breaks the CSP (Chromium
reports every violation as a console message and a `securitypolicyviolation` event)."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest

from tests.browser import chromium, serving
from tests.conftest import demo_app
from tests.totp import browser_second_step, prepare_login, register_server
from workflows.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_db_file) -> Iterator[tuple[str, object]]:
    app = demo_app(tmp_path_factory.mktemp("browser"), demo_db_file)
    with serving(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _page(browser, base_url: str):
    ctx = browser.new_context(base_url=base_url, locale="nl-NL")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation',"
                         " e => { window.__csp = (window.__csp || []).concat([e.violatedDirective]); });")
    return ctx, page, violations


def _password_step(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def test_job_coach_enrols_the_second_step_in_the_browser(browser, server):
    base_url, app = server
    ctx, page, violations = _page(browser, base_url)
    try:
        _password_step(page, "ahmed@job.example")
        assert page.url.endswith("/login/instellen")
        assert page.locator("figure.qr svg").is_visible()
        secret = page.locator("#totp-secret").input_value()
        clock = app.extensions["jobtraject"].clock
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).at(clock.now()))
        page.get_by_role("button", name="Bevestigen").click()
        assert page.get_by_role("heading", name="Uw herstelcodes").is_visible()
        assert page.locator("ul.codes li").count() == 10
        page.get_by_role("link", name="Verder").click()
        assert page.get_by_role("link", name="Account").is_visible()
        assert violations == [] and page.evaluate("window.__csp || []") == []
    finally:
        ctx.close()


def test_no_page_breaks_the_content_security_policy(browser, server):
    base_url, app = server
    services = app.extensions["jobtraject"]
    ctx, page, violations = _page(browser, base_url)
    try:
        register_server(services)
        prepare_login("sanne@job.example")
        _password_step(page, "sanne@job.example")
        browser_second_step(page, "sanne@job.example")
        assert "/login" not in page.url
        for path in ("/", "/archief", "/meldingen", "/account", "/account/wachtwoord", "/zaken/1", "/zaken/2",
                     "/kandidaten/1/inzage"):
            page.goto(path)
            page.wait_for_load_state()
            assert page.evaluate("window.__csp || []") == [], path
        assert violations == []
    finally:
        ctx.close()
