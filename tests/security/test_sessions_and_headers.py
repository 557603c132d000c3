"""Sessions (ASVS 5.0 V7) and browser security headers (V3.3, V3.4, V14.3): a copied
cookie stops working after logout, sessions end after 30 idle minutes or 12 hours, the
id changes at login, cookies are HttpOnly/SameSite (and Secure on https), every page
carries a strict CSP, and templates contain no inline script or style."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from engine.clock import FixedClock
from tests.helpers import T0
from tests.security.conftest import Auth
from webui import create_app
from webui.security import CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "webui" / "templates"


def _copy_session(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logout(client, auth):
    return client.post("/logout", data={"csrf_token": auth.csrf("/account")})


def test_a_copied_session_cookie_stops_working_after_logout(client, auth, app):
    auth.login("sanne@job.example")
    thief = _copy_session(app, client)
    assert thief.get("/").status_code == 200
    _logout(client, auth)
    assert client.get("/").status_code == 302
    r = thief.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logging_out_one_browser_keeps_the_other_logged_in(client, auth, app):
    auth.login("marieke@korenaar.example")
    laptop = app.test_client()
    Auth(laptop).login("marieke@korenaar.example")
    _logout(client, auth)
    assert laptop.get("/").status_code == 200


def test_changing_the_password_ends_the_other_sessions(client, auth, app):
    auth.login("marieke@korenaar.example")
    laptop = app.test_client()
    Auth(laptop).login("marieke@korenaar.example")
    r = client.post("/account/wachtwoord", data={"current": "demo-wachtwoord-2026", "new": "een andere lange zin",
                                                 "repeat": "een andere lange zin",
                                                 "csrf_token": auth.csrf("/account/wachtwoord")})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    assert laptop.get("/").status_code == 302


def test_a_session_ends_after_thirty_idle_minutes(client, auth, app):
    clock = app.extensions["jobtraject"].clock
    auth.login("marieke@korenaar.example")
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/").status_code == 302


def test_a_session_ends_twelve_hours_after_login_however_busy(client, auth, app):
    clock = app.extensions["jobtraject"].clock
    auth.login("marieke@korenaar.example")
    for _ in range(11 * 3 + 2):  # 11 h 40 of steady work
        clock.advance(timedelta(minutes=20))
        assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=21))  # 12 h 01
    assert client.get("/").status_code == 302


def test_login_gives_a_new_session_and_the_password_step_cookie_grants_nothing(client, auth, app):
    auth.password_step("sanne@job.example")
    half = client.get_cookie("session").value
    auth.login("sanne@job.example")
    full = client.get_cookie("session").value
    assert half != full
    stale = app.test_client()
    stale.set_cookie("session", half)
    assert stale.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, auth):
    r = auth.login("marieke@korenaar.example")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_on_https_the_cookie_is_secure_and_hsts_is_sent(tmp_path):
    from webui.migrate import upgrade
    from workflows.demo import load_demo

    url = f"sqlite:///{tmp_path / 'https.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True, "SESSION_COOKIE_SECURE": True},
                     clock=FixedClock(T0))
    try:
        load_demo(app.extensions["jobtraject"])
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        auth = Auth(client)
        r = auth.login("marieke@korenaar.example")
        assert "Secure" in r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        app.extensions["jobtraject"].db.dispose()


def test_every_page_has_the_strict_headers_and_logged_in_pages_are_not_cached(client, auth):
    pages = ["/login", "/wachtwoord-vergeten"]
    for path in pages:
        _assert_headers(client.get(path))
    auth.login("sanne@job.example")
    for path in ["/", "/archief", "/meldingen", "/account", "/account/wachtwoord", "/zaken/1", "/zaken/999999"]:
        r = client.get(path)
        _assert_headers(r)
        assert r.headers["Cache-Control"] == "no-store", path


def _assert_headers(r):
    h = r.headers
    assert h["Content-Security-Policy"] == CSP
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                 "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"):
        assert part in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert h["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text, re.I), f"inline script in {path.name}"
        assert not re.search(r"<style\b", text, re.I), f"<style> in {path.name}"
        assert not re.search(r"\sstyle\s*=", text, re.I), f"style= attribute in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"event handler attribute in {path.name}"
        assert "javascript:" not in text.lower(), f"javascript: URL in {path.name}"


def test_login_redirects_only_to_our_own_pages(client, auth):
    for target in ("https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"):
        r = auth.login("marieke@korenaar.example", next=target)
        assert r.status_code == 302 and r.headers["Location"] in ("/", "http://localhost/"), target
        client.post("/logout", data={"csrf_token": auth.csrf("/account")})
    r = auth.login("marieke@korenaar.example", next="/meldingen")
    assert r.headers["Location"].endswith("/meldingen")


def test_logout_is_a_post_with_a_csrf_token(client, auth):
    auth.login("marieke@korenaar.example")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_the_fast_test_sign_in_gives_a_real_session_that_logout_ends(client, auth, app):
    from tests.sessions import sign_in

    sign_in(client, "sanne@job.example")
    assert client.get("/").status_code == 200
    _logout(client, auth)
    assert client.get("/").status_code == 302
