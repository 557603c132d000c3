"""Every page every demo role can reach, in Debian's chromium: axe-core finds no violations,
the menu keeps to one line at 1366 px, and on a 390-px phone the first task shows on the
first screen.

axe-core comes from the npm registry (package-lock.json, installed by `make assets`) and is
injected from node_modules as a file (no CDN). The pages are found by following the links of
each role's pages from the inbox (same origin, GET, no downloads), at most a few pages of each
shape (/zaken/#, /plannen/#, ...), so a new page is checked as soon as a link leads to it.
Screenshots of the inbox, a plan page and a case page at 1366 and 390 px go to
tests/e2e/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import SCREENSHOTS, login, screenshot

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = {
    "sanne": "sanne@job.example",  # JoB, coordinator
    "beheer": "beheer@job.example",  # admin
    "lisa": "lisa@wsp-nijmegen.example",  # WSP
    "marieke": "marieke@korenaar.example",  # opdrachtgever
    "harrie": "harrie@korenaar.example",  # Harrie
}
SKIP = re.compile(r"/uitloggen|/logout|\.mmd$|\.ics|\.json$|\.csv$|/api/|/agenda|/export|/download|\.svg$|\.pdf$")
PER_SHAPE = 2  # pages of the same shape (digits replaced) checked per role
MAX_PAGES = 40


@pytest.fixture
def new_page(browser, live_server):
    """Like conftest's, but the page lets Playwright inject axe-core as an inline script: the
    app's CSP (script-src 'self') would refuse it. Only this test browser bypasses the CSP."""
    contexts = []

    def make(viewport: dict[str, int] | None = None):
        ctx = browser.new_context(base_url=live_server.url, viewport=viewport or WIDE, locale="nl-NL",
                                  bypass_csp=True)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def _axe_violations(page: Page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' -> '
            + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return list(result)


def _links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:")):
            continue
        parts = urlsplit(href)
        if parts.netloc and not base.endswith(parts.netloc):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and not SKIP.search(path):
            out.append(path)
    return out


def _shape(path: str) -> str:
    return re.sub(r"\d+", "#", path.split("?")[0]) + ("?" if "?" in path else "")


def _crawl(page: Page, base: str) -> dict[str, list[str]]:
    """Visit every reachable page shape from the inbox; axe's violations per page."""
    todo, seen, shapes, found = ["/"], set(), {}, {}
    while todo and len(seen) < MAX_PAGES:
        path = todo.pop(0)
        shape = _shape(path)
        if path in seen or shapes.get(shape, 0) >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        final = urlsplit(page.url).path  # /zaken/# of a plan redirects to /plannen/#
        found[path if final == path.split("?")[0] else f"{path} -> {final}"] = _axe_violations(page)
        todo.extend(p for p in _links(page, base) if p not in seen)
    return found


@pytest.mark.parametrize("who", list(ROLES))
def test_every_page_of_every_demo_role_has_no_axe_violations(live_server, new_page, who):
    page = new_page(WIDE)
    login(page, ROLES[who])
    found = _crawl(page, live_server.url)
    assert len(found) >= 4, f"only {list(found)} reached"
    SCREENSHOTS.mkdir(exist_ok=True)  # which pages were checked, for a person to read
    (SCREENSHOTS / f"axe-{who}.txt").write_text("\n".join(f"{p}\t{len(v)}" for p, v in found.items()) + "\n")
    bad = {path: v for path, v in found.items() if v}
    assert not bad, f"axe-core violations for {who}: {bad}"


@pytest.mark.parametrize("who", list(ROLES))
def test_every_page_passes_axe_on_a_phone_too(live_server, new_page, who):
    page = new_page(PHONE)
    login(page, ROLES[who])
    for path in ["/", "/wachtrij", "/archief", "/bedrijven"]:
        page.goto(path)
        assert _axe_violations(page) == [], f"{who} {path} at 390 px"


def test_the_menu_keeps_to_one_line_at_1366_px(live_server, new_page):
    page = new_page(WIDE)
    login(page, ROLES["sanne"])
    tops = page.eval_on_selector_all(".job-nav-bar .utrecht-nav-list__item",
                                     "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) >= 5 and len(set(tops)) == 1, tops


@pytest.mark.parametrize("who", ["sanne", "marieke", "harrie"])
def test_on_a_phone_the_first_task_is_on_the_first_screen(live_server, new_page, who):
    page = new_page(PHONE)
    login(page, ROLES[who])
    page.goto("/")
    rows = page.locator("table.tasks tbody tr")
    # The first task, or the line that says there is none, is on the first screen.
    first = rows.first if rows.count() else page.locator(".empty-groups").first
    box = first.bounding_box()
    assert box is not None and box["y"] + 40 < PHONE["height"], box


def test_the_phone_menu_opens_without_a_script(live_server, new_page):
    page = new_page(PHONE)
    login(page, ROLES["sanne"])
    assert not page.locator(".job-nav-bar").is_visible()
    menu = page.locator(".job-menu-phone summary")
    menu.click()
    assert page.locator(".job-menu-phone").get_by_role("link", name=re.compile("Wachtrij")).is_visible()


def _first_href(page: Page, pattern: str) -> str | None:
    for href in _links(page, ""):
        if re.search(pattern, href):
            return href
    return None


@pytest.mark.parametrize("who", ["sanne", "marieke", "harrie"])
def test_screenshots_of_inbox_plan_and_case_at_1366_and_390_px(live_server, new_page, who):
    """For a person to look at: tests/e2e/screenshots/look-<who>-<page>-<width>.png."""
    for size in (WIDE, PHONE):
        page = new_page(size)
        login(page, ROLES[who])
        shots = {"inbox": "/"}
        for _ in range(2):  # the inbox, then the pages its links lead to
            for path in list(shots.values()):
                page.goto(path)
                shots.setdefault("plan", _first_href(page, r"^/plannen/\d+$"))
                shots.setdefault("zaak", _first_href(page, r"^/zaken/\d+$"))
                if shots.get("plan") is None:
                    shots.pop("plan")
                if shots.get("zaak") is None:
                    shots.pop("zaak")
            if "bedrijf" not in shots:
                page.goto("/bedrijven")
                company = _first_href(page, r"^/bedrijven/\d+$")
                if company:
                    shots["bedrijf"] = company
        for name, path in shots.items():
            page.goto(path)
            assert screenshot(page, f"look-{who}-{name}-{size['width']}").exists()
