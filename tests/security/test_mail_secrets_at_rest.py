"""A password-reset link is never kept in clear: not in a table, a database file, a WAL
segment or a backup; yet the user receives a link that works (issue 16, item 3)."""

from __future__ import annotations

import pytest

from engine.jobs.secret_mail import SECRET_PLACEHOLDER
from tests.security.mail_secrets import (
    EMAIL,
    LINK,
    NEW_PASSWORD,
    add_opdrachtgever,
    ask_reset,
    backup_contents,
    every_table,
    make_app,
    outbox,
    postgres_files,
    sqlite_files,
)
from webui.scheduling import build_sweeps


@pytest.fixture
def app(db_url, smtp_server):
    app = make_app(db_url, smtp_server)
    add_opdrachtgever(app.extensions["jobtraject"].db)
    yield app
    app.extensions["jobtraject"].db.dispose()


def _send(app) -> None:
    sweeps = build_sweeps(app)  # what `jobtraject worker` runs
    try:
        sweeps.run_once()
    finally:
        sweeps.shutdown()


def test_the_user_receives_a_working_link_that_no_table_or_backup_held_in_clear(app, smtp_server, tmp_path):
    db = app.extensions["jobtraject"].db
    ask_reset(app)
    # Between the request and the sending: what someone could read or copy.
    tables_before = every_table(db)
    files_before = sqlite_files(db) if db.sqlite else b""
    backup = backup_contents(db, tmp_path / "tussendoor.backup")
    assert EMAIL in tables_before and EMAIL.encode() in backup, "the scans must see the data that is there"
    [queued] = outbox(db)
    assert queued.sealed_secret is not None and SECRET_PLACEHOLDER in queued.body_text

    _send(app)
    [mail] = smtp_server.to(EMAIL)
    path, token = LINK.search(mail.text).groups()
    assert len(token) >= 40

    assert token not in tables_before and token.encode() not in files_before
    assert token.encode() not in backup
    assert token not in every_table(db)
    if db.sqlite:
        assert token.encode() not in sqlite_files(db)
    [sent] = outbox(db)
    assert sent.status == "sent" and sent.sealed_secret is None, "sent: nothing left that could be opened"

    client = app.test_client()
    assert client.get(path).status_code == 200
    response = client.post(path, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.status_code == 302
    assert app.extensions["jobtraject.authn"].check_password(EMAIL, NEW_PASSWORD, "10.0.0.1") is not None
    assert client.get(path).status_code == 404  # used up


def test_no_database_file_or_wal_segment_holds_the_link(app, smtp_server):
    db = app.extensions["jobtraject"].db
    ask_reset(app)
    _send(app)
    token = LINK.search(smtp_server.to(EMAIL)[0].text).group(2)
    raw = sqlite_files(db) if db.sqlite else postgres_files(db)
    if raw is None:
        pytest.skip("this process may not read PostgreSQL's data directory")
    assert EMAIL.encode() in raw, "the scan must see the data that is there"
    assert token.encode() not in raw


def test_the_reset_mail_holds_no_personal_data(app, smtp_server):
    ask_reset(app)
    _send(app)
    [mail] = smtp_server.to(EMAIL)
    assert "Marieke" not in mail.everything and "Jansen" not in mail.everything
    assert SECRET_PLACEHOLDER not in mail.everything
