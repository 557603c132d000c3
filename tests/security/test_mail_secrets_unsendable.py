"""A mail whose secret has expired or cannot be opened is never sent with a broken link,
and an expired secret is removed from the row by the outbox sweep (issue 16, item 3)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.clock import FixedClock
from engine.errors import NotFound
from engine.jobs.outbox import incidents, retry_incident
from engine.jobs.secret_mail import SECRET_PLACEHOLDER
from engine.store.db import Database
from engine.store.models import OutboxMessage
from tests.helpers import T0
from tests.security.mail_secrets import EMAIL, LINK, add_opdrachtgever, ask_reset, make_app, outbox
from webui.migrate import upgrade
from webui.scheduling import build_sweeps


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(db_url, smtp_server, clock):
    app = make_app(db_url, smtp_server, clock)
    add_opdrachtgever(app.extensions["jobtraject"].db)
    yield app
    app.extensions["jobtraject"].db.dispose()


def _outbox_sweep(app):
    return build_sweeps(app).outbox


def test_a_link_not_sent_before_it_expires_is_removed_by_the_sweep_and_never_mailed(app, smtp_server, clock):
    db = app.extensions["jobtraject"].db
    smtp_server.stop()  # the mail server is down when the user asks
    ask_reset(app)
    mailer = _outbox_sweep(app)
    assert mailer.sweep().unreachable
    [waiting] = outbox(db)
    assert waiting.status == "pending" and waiting.sealed_secret is not None

    clock.advance(timedelta(minutes=29))
    assert mailer.sweep().secrets_cleared == 0, "still valid: kept sealed"
    clock.advance(timedelta(minutes=1))  # PASSWORD_RESET_MINUTES (30) have passed
    report = mailer.sweep()  # the server is still down: clearing does not need it
    assert report.secrets_cleared == 1
    [expired] = outbox(db)
    assert expired.sealed_secret is None and expired.status == "expired"
    assert "verlopen" in expired.last_error and SECRET_PLACEHOLDER in expired.body_text

    smtp_server.start()
    clock.advance(timedelta(minutes=5))
    assert mailer.sweep().claimed == 0
    assert smtp_server.messages == []


def test_an_incident_mail_whose_link_expires_is_cleared_and_leaves_the_incident_list(app, smtp_server, clock):
    db = app.extensions["jobtraject"].db
    smtp_server.responses.append("550 no such user")  # refused at once: an incident
    ask_reset(app)
    mailer = _outbox_sweep(app)
    assert mailer.sweep().incidents == 1
    clock.advance(timedelta(minutes=31))
    assert mailer.sweep().secrets_cleared == 1
    [mail] = outbox(db)
    assert mail.status == "expired" and mail.sealed_secret is None
    with db.read() as s:
        assert incidents(s) == [], "nothing an operator could retry: the link is dead anyway"
    with pytest.raises(NotFound):
        retry_incident(db, mail.id, clock.now())


def test_a_reset_mail_sealed_under_another_secret_key_is_an_incident_and_is_not_sent(
        app, db_url, smtp_server, clock, caplog):
    db = app.extensions["jobtraject"].db
    ask_reset(app)
    caplog.set_level(logging.INFO, logger="jobtraject.outbox")
    changed = make_app(db_url, smtp_server, clock, secret_key="een-nieuwe-sleutel")  # a restart with a new key
    try:
        report = _outbox_sweep(changed).sweep()
    finally:
        changed.extensions["jobtraject"].db.dispose()
    assert (report.sent, report.incidents) == (0, 1)
    assert smtp_server.messages == [], "never a mail without its link"
    [mail] = outbox(db)
    assert mail.status == "incident" and "SECRET_KEY" in mail.last_error
    lines = [r.getMessage() for r in caplog.records if r.name == "jobtraject.outbox"]
    assert any("cannot be opened" in line for line in lines)
    assert not [line for line in lines if "@" in line.replace("@jobtraject>", "") or "marieke" in line]

    # The old key is put back within the link's half hour: a retry sends a working link.
    retry_incident(db, mail.id, clock.now())
    assert _outbox_sweep(app).sweep().sent == 1
    path = LINK.search(smtp_server.to(EMAIL)[0].text).group(1)
    assert app.test_client().get(path).status_code == 200


def test_a_sealed_link_moved_to_another_address_is_not_sent_there(app, smtp_server):
    db = app.extensions["jobtraject"].db
    ask_reset(app)
    with db.write() as s:  # someone who can write to the database redirects the mail
        s.execute(update(OutboxMessage).values(to_addr="aanvaller@evil.example"))
    report = _outbox_sweep(app).sweep()
    assert (report.sent, report.incidents) == (0, 1)
    assert smtp_server.messages == []


def test_the_migration_removes_reset_links_kept_in_clear_by_earlier_versions(empty_db_url):
    upgrade(empty_db_url, "0002")
    db = Database(empty_db_url)
    link = "http://jobtraject.test/wachtwoord-herstellen/OudeTokenInHetKlaar_1234567890abcdefghijkl"
    body = f"Kies een nieuw wachtwoord via deze link:\n{link}\n\nGroet"
    common = {"created_at": T0, "to_addr": EMAIL, "subject": "Nieuw wachtwoord instellen", "body_html": None,
              "attempts": 0}
    try:
        old = _old_outbox(db)
        with db.engine.begin() as conn:
            for i, status in enumerate(("sent", "pending")):
                conn.execute(old.insert().values(**common, body_text=body, status=status,
                                                            message_id=f"<{i}@jobtraject>"))
            conn.execute(old.insert().values(**{**common, "subject": "Herinnering"}, status="pending",
                                                        body_text="Een taak wacht op u.", message_id="<2@jobtraject>"))
        upgrade(empty_db_url)
        with db.engine.connect() as conn:
            rows = conn.execute(select(OutboxMessage.__table__.c.message_id, OutboxMessage.__table__.c.status,
                                       OutboxMessage.__table__.c.body_text)
                                .order_by(OutboxMessage.__table__.c.id)).all()
    finally:
        db.dispose()
    assert [(r.status, "OudeToken" in r.body_text) for r in rows] == [
        ("sent", False), ("expired", False), ("pending", False)]
    assert re.search(r"/wachtwoord-herstellen/\[verwijderd\]", rows[0].body_text)
    assert rows[2].body_text == "Een taak wacht op u."


def _old_outbox(db):
    """The outbox table as revision 0002 has it (without the columns 0003 adds)."""
    from sqlalchemy import MetaData, Table

    return Table("outbox_message", MetaData(), autoload_with=db.engine)
