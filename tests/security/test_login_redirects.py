"""After login the app sends the user on to `next` only when a browser would stay on our site
and land on one of our pages (ASVS 5.0 V3.7 / open redirects). Checked at both login steps:
the password (an account without a second factor) and the code (an account with one)."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.security.conftest import Auth
from tests.sessions import sign_in
from tests.totp import prepare
from tests.web.inbox_support import post, task_id
from webui.next_url import browser_normalised
from workflows.demo import DEMO_PASSWORD

WITHOUT_CODE = "marieke@korenaar.example"  # opdrachtgever: password only
WITH_CODE = "sanne@job.example"  # JoB: password, then the authenticator code

# Values of `next` as the server receives them (after the query string's own decoding):
# "/%09/x" in the address bar arrives here as "/\t/x", "/%252F" as "/%2F".
BYPASSES = [
    "/\t/evil.example/x",  # the probe's finding: the browser drops the tab -> //evil.example/x
    "/\n/evil.example/x",  # /%0A/x gave a 500 (newline in a header)
    "/\r/evil.example/x",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",  # leading space, stripped by the browser
    "\x1b//evil.example",  # leading C0 control, stripped by the browser
    "/\x00/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%252F%252Fevil.example",  # double encoding
    "%252F%252Fevil.example",
    "/%09/evil.example",  # an encoded tab that a second decoding would drop
    "https://evil.example",
    "https:evil.example",
    "http:/\\evil.example",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\uff0f/evil.example",  # full-width solidus
    "\uff0f\uff0fevil.example",
    "/\u3002evil.example",  # ideographic full stop
    "//localhost@evil.example",  # userinfo
    "https://localhost@evil.example/",
    "//evil.example\\@localhost/",
    "/@evil.example",
    "http://localhost.evil.example/",
    "/..//evil.example",
    "/ /evil.example",
    "/\u2028/evil.example",
    "/bestaat-niet",  # same site, but not one of our pages
    "/login/../../evil.example",
    "",
    "x" * 3000,
]

KEPT = [
    ("/meldingen", "/meldingen"),
    ("/wachtrij?zoek=werven", "/wachtrij?zoek=werven"),
    ("/zaken/1", "/zaken/1"),
    ("/kandidaten/3/inzage", "/kandidaten/3/inzage"),
    ("/", "/"),
]

INBOX = "/"


def _login(auth: Auth, email: str, target: str):
    """Both steps through the forms, with `next` in the login page's address as a browser sends it."""
    client = auth.client
    prepare(client.application.extensions["jobtraject"], email)
    url = "/login?next=" + quote(target, safe="")
    r = client.post(url, data={"email": email, "password": DEMO_PASSWORD, "csrf_token": auth.csrf()})
    if email == WITH_CODE:
        assert r.status_code == 302 and r.headers["Location"].endswith("/login/code")
        r = client.post("/login/code", data={"code": auth.code(email), "csrf_token": auth.csrf("/login/code")})
    return r


def _lands_on(location: str) -> str:
    """Where a browser on http://localhost/login goes with this Location header."""
    return urljoin("http://localhost/login", browser_normalised(location))


@pytest.mark.parametrize("email", [WITHOUT_CODE, WITH_CODE], ids=["password-step", "code-step"])
@pytest.mark.parametrize("target", BYPASSES, ids=[repr(b)[:40] for b in BYPASSES])
def test_a_next_that_leaves_the_site_or_our_pages_goes_to_the_inbox(auth, email, target):
    r = _login(auth, email, target)
    assert r.status_code == 302, r.status_code
    assert r.headers["Location"] == INBOX
    assert urlsplit(_lands_on(r.headers["Location"])).netloc == "localhost"


@pytest.mark.parametrize("email", [WITHOUT_CODE, WITH_CODE], ids=["password-step", "code-step"])
@pytest.mark.parametrize(("target", "location"), KEPT)
def test_a_next_to_one_of_our_pages_is_kept(auth, email, target, location):
    r = _login(auth, email, target)
    assert r.status_code == 302 and r.headers["Location"] == location


def test_the_table_holds_at_least_25_known_bypasses():
    assert len(BYPASSES) >= 25 and len(set(BYPASSES)) == len(BYPASSES)


def test_an_inbox_action_also_goes_back_only_to_one_of_our_pages(app, client):
    tid = task_id(app, "Tuincentrum De Bongerd", "recruit")
    sign_in(client, "ahmed@job.example")
    for target in ("/\t/evil.example/x", "/\uff0f/evil.example", "https:evil.example", "/%2F%2Fevil.example"):
        r = post(client, f"/taken/{tid}/oppakken", {"next": target})
        assert r.status_code == 302 and r.headers["Location"] == "/wachtrij", target
    r = post(client, f"/taken/{tid}/oppakken", {"next": "/wachtrij?zoek=werven"})
    assert r.headers["Location"] == "/wachtrij?zoek=werven"
