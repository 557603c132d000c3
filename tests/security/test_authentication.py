"""Authentication (ASVS 5.0 V6): Argon2id, password policy, two login steps, TOTP once,
recovery codes, throttling per account and per address across processes, password reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.identity.passwords import hash_password, password_problem, verify_password
from engine.store.models import LoginFailure, OutboxMessage, PasswordResetToken, User
from tests.conftest import demo_app
from tests.helpers import T0
from tests.security.conftest import Auth
from tests.smtp import send_queued_mail
from tests.totp import next_code
from webui import create_app
from webui.cli import main
from workflows.demo import DEMO_PASSWORD

CODE_PAGE = "/login/code"


def _user(app, email: str) -> User:
    with app.extensions["jobtraject"].db.read() as s:
        return s.scalars(select(User).where(User.email == email)).one()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


# -- passwords -----------------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id_with_at_least_owasp_parameters():
    stored = hash_password("een lange zin als wachtwoord")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2
    assert verify_password(stored, "een lange zin als wachtwoord")
    assert not verify_password(stored, "een lange zin als wachtwoorD")


@pytest.mark.parametrize("password", ["kort-11-tek", "x" * 129, "password123456", "Welkom2024!!!", "qwertyuiop12",
                                      "aaaaaaaaaaaaaaaa", "1234567890123"])
def test_short_long_and_common_passwords_are_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["twaalf tekens", "alleenkleineletters", "ÉÉN twee DRIE vier", "🐢🐢🐢🐢 schildpad 🐢",
                                      ("lang verhaal " * 10)[:128]])
def test_any_long_uncommon_password_is_accepted_without_composition_rules(password):
    assert password_problem(password) is None


def test_a_password_differing_in_its_last_character_does_not_log_in():
    stored = hash_password("a" * 127 + "b")
    assert not verify_password(stored, "a" * 127 + "c")


def test_create_user_refuses_a_common_password(app, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("JOBTRAJECT_PASSWORD", "password12345")
    result = runner.invoke(main, ["create-user", "nieuw@job.example", "--role", "job", "--organisation",
                                  "JoB Jobcoaching"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code != 0 and "te bekend" in result.output
    monkeypatch.setenv("JOBTRAJECT_PASSWORD", "een heel eigen zin van mij")
    result = runner.invoke(main, ["create-user", "nieuw@job.example", "--role", "job", "--organisation",
                                  "JoB Jobcoaching"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert _user(app, "nieuw@job.example").password_hash.startswith("$argon2id$")


def test_change_password_needs_the_current_one_and_refuses_a_weak_new_one(client, auth, app):
    auth.login("marieke@korenaar.example")
    csrf = auth.csrf("/account/wachtwoord")
    r = client.post("/account/wachtwoord", data={"current": "fout-wachtwoord-123", "new": "een nieuwe lange zin",
                                                 "repeat": "een nieuwe lange zin", "csrf_token": csrf})
    assert r.status_code == 400 and "huidige wachtwoord klopt niet" in r.get_data(as_text=True)
    r = client.post("/account/wachtwoord", data={"current": DEMO_PASSWORD, "new": "password123456",
                                                 "repeat": "password123456", "csrf_token": csrf})
    assert r.status_code == 400 and "te bekend" in r.get_data(as_text=True)
    assert verify_password(_user(app, "marieke@korenaar.example").password_hash, DEMO_PASSWORD)
    r = client.post("/account/wachtwoord", data={"current": DEMO_PASSWORD, "new": "een nieuwe lange zin",
                                                 "repeat": "een nieuwe lange zin", "csrf_token": csrf})
    assert r.status_code == 302
    assert verify_password(_user(app, "marieke@korenaar.example").password_hash, "een nieuwe lange zin")


# -- second factor ---------------------------------------------------------------------------

def test_job_coach_enrols_at_first_login_and_the_half_logged_in_state_grants_nothing(client, auth, app):
    r = auth.password_step("sanne@job.example")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/instellen")
    for path in ("/", "/meldingen", "/account", "/zaken/1"):
        page = client.get(path)
        assert page.status_code == 302 and "/login" in page.headers["Location"], path
    page = client.get("/login/instellen").get_data(as_text=True)
    secret = _user(app, "sanne@job.example").totp_secret
    assert secret in page and "otpauth://totp/" in page and "<svg" in page
    r = client.post("/login/instellen", data={"code": "000000", "csrf_token": _csrf(page)})
    assert r.status_code == 400 and _user(app, "sanne@job.example").totp_enabled_at is None
    code = pyotp.TOTP(secret).at(T0)
    r = client.post("/login/instellen", data={"code": code, "csrf_token": _csrf(page)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "herstelcodes" in html
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", html)
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    stored = _user(app, "sanne@job.example")
    assert stored.totp_enabled_at is not None
    # Recovery codes are stored hashed only, and each one works once.
    with app.extensions["jobtraject"].db.read() as s:
        from engine.store.models import RecoveryCode
        hashes = s.scalars(select(RecoveryCode.code_hash)).all()
    assert all(c.replace("-", "") not in hashes for c in codes)
    _logout(client, auth)
    auth.password_step("sanne@job.example")
    r = client.post(CODE_PAGE, data={"code": codes[0], "csrf_token": auth.csrf(CODE_PAGE)})
    assert r.status_code == 302 and client.get("/").status_code == 200
    _logout(client, auth)
    auth.password_step("sanne@job.example")
    r = client.post(CODE_PAGE, data={"code": codes[0], "csrf_token": auth.csrf(CODE_PAGE)})
    assert r.status_code == 400 and client.get("/").status_code == 302


def test_a_totp_code_is_accepted_only_once(client, auth, app):
    secret = _user(app, "ahmed@job.example").totp_secret
    assert secret is None
    auth.login("ahmed@job.example")
    secret = _user(app, "ahmed@job.example").totp_secret
    step = _user(app, "ahmed@job.example").totp_last_step
    _logout(client, auth)
    auth.password_step("ahmed@job.example")
    used = pyotp.TOTP(secret).at(step * 30)
    r = client.post(CODE_PAGE, data={"code": used, "csrf_token": auth.csrf(CODE_PAGE)})
    assert r.status_code == 400 and client.get("/").status_code == 302
    old = pyotp.TOTP(secret).at((step - 2) * 30)
    r = client.post(CODE_PAGE, data={"code": old, "csrf_token": auth.csrf(CODE_PAGE)})
    assert r.status_code == 400


def test_employer_logs_in_with_a_password_only_and_may_turn_the_second_step_on(client, auth, app):
    r = auth.login("marieke@korenaar.example")
    assert r.status_code == 302 and client.get("/").status_code == 200
    page = client.get("/account/tweede-stap").get_data(as_text=True)
    secret = _user(app, "marieke@korenaar.example").totp_secret
    r = client.post("/account/tweede-stap", data={"code": pyotp.TOTP(secret).at(T0), "csrf_token": _csrf(page)})
    assert r.status_code == 200 and _user(app, "marieke@korenaar.example").totp_enabled_at is not None
    _logout(client, auth)
    r = auth.password_step("marieke@korenaar.example")
    assert r.headers["Location"].endswith(CODE_PAGE)
    # Turning it off again needs the current password; JoB cannot turn it off at all.
    auth.login("marieke@korenaar.example")
    csrf = auth.csrf("/account")
    client.post("/account/tweede-stap/uitzetten", data={"password": "fout", "csrf_token": csrf})
    assert _user(app, "marieke@korenaar.example").totp_enabled_at is not None
    client.post("/account/tweede-stap/uitzetten", data={"password": DEMO_PASSWORD, "csrf_token": csrf})
    assert _user(app, "marieke@korenaar.example").totp_enabled_at is None


def test_job_coach_cannot_turn_the_second_step_off(client, auth, app):
    auth.login("ahmed@job.example")
    client.post("/account/tweede-stap/uitzetten", data={"password": DEMO_PASSWORD, "csrf_token": auth.csrf("/account")})
    assert _user(app, "ahmed@job.example").totp_enabled_at is not None


# -- throttling ------------------------------------------------------------------------------

def test_five_wrong_passwords_block_the_account_for_every_web_process(app, tmp_path):
    """Two app instances on one database stand in for two worker processes."""
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test", "TESTING": True},
                       clock=app.extensions["jobtraject"].clock)
    try:
        clients = [Auth(app.test_client()), Auth(other.test_client())]
        for i in range(5):
            r = clients[i % 2].password_step("marieke@korenaar.example", "verkeerd-wachtwoord")
            assert r.status_code == 400
        # The right password is now refused too, with the same message as a wrong one.
        r = clients[1].password_step("marieke@korenaar.example")
        assert r.status_code == 400 and "Onbekende combinatie" in r.get_data(as_text=True)
        app.extensions["jobtraject"].clock.advance(timedelta(minutes=16))
        assert clients[0].password_step("marieke@korenaar.example").status_code == 302
    finally:
        other.extensions["jobtraject"].db.dispose()


def test_too_many_failures_from_one_address_block_that_address(tmp_path, demo_db_file):
    """The per-address limit (default 20, lowered here to keep the test short) covers every account."""
    app = demo_app(tmp_path, demo_db_file, LOGIN_MAX_IP_FAILURES=4)
    try:
        auth = Auth(app.test_client())
        for i in range(4):
            auth.password_step(f"onbekend{i}@example.nl", "verkeerd-wachtwoord")
        assert auth.password_step("marieke@korenaar.example").status_code == 400
        other_ip = app.test_client()
        other_ip.environ_base["REMOTE_ADDR"] = "10.1.2.3"
        assert Auth(other_ip).password_step("marieke@korenaar.example").status_code == 302
    finally:
        app.extensions["jobtraject"].db.dispose()


def test_default_limits_are_five_per_account_and_twenty_per_address_in_fifteen_minutes(app):
    settings = app.extensions["jobtraject.authn"].settings
    assert (settings.max_account_failures, settings.max_ip_failures) == (5, 20)
    assert settings.failure_window == timedelta(minutes=15)
    assert (settings.idle_timeout, settings.absolute_timeout) == (timedelta(minutes=30), timedelta(hours=12))


def test_failed_attempts_store_no_readable_address(client, auth, app):
    auth.password_step("iemand.anders@example.nl", "verkeerd-wachtwoord")
    with app.extensions["jobtraject"].db.read() as s:
        rows = s.execute(select(LoginFailure.account)).scalars().all()
    assert rows and all("@" not in r for r in rows)


def test_wrong_codes_count_towards_the_lock(client, auth, app):
    auth.login("ahmed@job.example")
    _logout(client, auth)
    auth.password_step("ahmed@job.example")
    for _ in range(5):
        client.post(CODE_PAGE, data={"code": "123456", "csrf_token": auth.csrf(CODE_PAGE)})
    svc = app.extensions["jobtraject"]
    good = next_code(svc.db, "ahmed@job.example", svc.clock.now())
    r = client.post(CODE_PAGE, data={"code": good, "csrf_token": auth.csrf(CODE_PAGE)})
    assert r.status_code == 400 and client.get("/").status_code == 302


# -- password reset --------------------------------------------------------------------------

def _forgot(client, auth, email):
    return client.post("/wachtwoord-vergeten", data={"email": email, "csrf_token": auth.csrf("/wachtwoord-vergeten")},
                       follow_redirects=True)


def test_forgot_password_answers_the_same_for_unknown_accounts(client, auth, app):
    a = _forgot(client, auth, "niemand@job.example")
    b = _forgot(client, auth, "marieke@korenaar.example")
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731 - csrf tokens differ
    assert a.status_code == b.status_code == 200 and strip(a) == strip(b)
    with app.extensions["jobtraject"].db.read() as s:
        mails = s.scalars(select(OutboxMessage).where(OutboxMessage.subject == "Nieuw wachtwoord instellen")).all()
    assert [m.to_addr for m in mails] == ["marieke@korenaar.example"]


def _reset_link(app, smtp_server) -> str:
    """The link in the reset mail as it arrives (the outbox keeps it sealed until it is sent)."""
    assert send_queued_mail(app, smtp_server) == 1
    return re.search(r"(/wachtwoord-herstellen/\S+)", smtp_server.messages[-1].text).group(1)


def test_reset_link_sets_a_new_password_once_and_ends_every_session(client, auth, app, smtp_server):
    auth.login("marieke@korenaar.example")
    cookie = client.get_cookie("session").value
    other = app.test_client()
    _forgot(other, Auth(other), "marieke@korenaar.example")
    link = _reset_link(app, smtp_server)
    with app.extensions["jobtraject"].db.read() as s:
        stored = s.scalars(select(PasswordResetToken.token_hash)).one()
    assert link.rsplit("/", 1)[1] != stored  # only a hash is kept
    page = other.get(link)
    assert page.status_code == 200
    r = other.post(link, data={"new": "mijn nieuwe geheime zin", "repeat": "mijn nieuwe geheime zin",
                               "csrf_token": _csrf(page.get_data(as_text=True))})
    assert r.status_code == 302
    assert Auth(app.test_client()).login("marieke@korenaar.example", "mijn nieuwe geheime zin").status_code == 302
    stale = app.test_client()
    stale.set_cookie("session", cookie)
    assert stale.get("/").status_code == 302  # the session from before the reset is over
    assert other.get(link).status_code == 404  # used up


def test_a_fourth_reset_request_within_the_window_sends_nothing_and_the_last_link_still_works(
        client, auth, app, smtp_server):
    for _ in range(3):
        _forgot(client, auth, "marieke@korenaar.example")
        third = _reset_link(app, smtp_server)
    fourth = _forgot(client, auth, "marieke@korenaar.example")
    unknown = _forgot(client, auth, "niemand@job.example")
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731 - csrf tokens differ
    assert fourth.status_code == unknown.status_code == 200 and strip(fourth) == strip(unknown)
    with app.extensions["jobtraject"].db.read() as s:
        assert s.scalar(select(func.count()).select_from(PasswordResetToken)) == 3
    assert send_queued_mail(app, smtp_server) == 0 and client.get(third).status_code == 200


def test_reset_link_expires_after_thirty_minutes(client, auth, app, smtp_server):
    _forgot(client, auth, "marieke@korenaar.example")
    link = _reset_link(app, smtp_server)
    app.extensions["jobtraject"].clock.advance(timedelta(minutes=31))
    assert client.get(link).status_code == 404


def test_reset_does_not_skip_the_second_step(client, auth, app, smtp_server):
    auth.login("ahmed@job.example")
    _logout(client, auth)
    _forgot(client, auth, "ahmed@job.example")
    link = _reset_link(app, smtp_server)
    page = client.get(link)
    client.post(link, data={"new": "nog een nieuwe zin", "repeat": "nog een nieuwe zin",
                                        "csrf_token": _csrf(page.get_data(as_text=True))})
    r = auth.password_step("ahmed@job.example", "nog een nieuwe zin")
    assert r.headers["Location"].endswith(CODE_PAGE) and client.get("/").status_code == 302


def test_no_user_is_created_by_the_migrations(tmp_path):
    from webui.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'leeg.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    with app.extensions["jobtraject"].db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
    app.extensions["jobtraject"].db.dispose()


def _logout(client, auth):
    client.post("/logout", data={"csrf_token": auth.csrf("/account") if client.get("/").status_code == 200
                                 else auth.csrf()})


def test_login_events_are_logged_with_ids_and_never_the_address(client, auth, app, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="jobtraject.auth")
    auth.password_step("marieke@korenaar.example", "verkeerd-wachtwoord")
    auth.login("marieke@korenaar.example")
    _forgot(client, auth, "niemand@job.example")
    lines = [r.getMessage() for r in caplog.records if r.name == "jobtraject.auth"]
    user_id = _user(app, "marieke@korenaar.example").id
    assert any(line.startswith("login failed") for line in lines)
    assert f"login: user {user_id}, new session" in lines
    assert any(line.startswith("password reset asked for an unknown address") for line in lines)
    assert not [line for line in lines if "@" in line or "marieke" in line or "verkeerd" in line]


def test_a_deactivated_user_is_logged_out_at_the_next_request(client, auth, app):
    auth.login("marieke@korenaar.example")
    with app.extensions["jobtraject"].db.write() as s:
        s.scalars(select(User).where(User.email == "marieke@korenaar.example")).one().active = False
    assert client.get("/").status_code == 302


def test_at_most_three_reset_mails_per_account_in_fifteen_minutes(client, auth, app):
    for _ in range(5):
        _forgot(client, auth, "marieke@korenaar.example")
    with app.extensions["jobtraject"].db.read() as s:
        mails = s.scalars(select(OutboxMessage).where(OutboxMessage.subject == "Nieuw wachtwoord instellen")).all()
    assert len(mails) == 3


def test_an_administrator_can_reset_a_lost_second_step_from_the_command_line(client, auth, app):
    auth.login("ahmed@job.example")
    result = CliRunner().invoke(main, ["reset-second-factor", "ahmed@job.example"],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302  # the session ended too
    r = auth.password_step("ahmed@job.example")
    assert r.headers["Location"].endswith("/login/instellen")
