"""docs/operations.md "Going live", followed to the letter on an empty database (SQLite and PostgreSQL).

The commands are read from the page itself (between the going-live markers) and run as the
real `jobtraject` console script, so the page cannot drift from what works. Then the first
administrator logs in to the web app, invites a coach, `jobtraject worker --once` sends the
invitation through a real SMTP server, and the coach's link sets the password once.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from engine.store.admin_models import AdminAuditEntry
from engine.store.db import Database
from engine.store.models import Organisation, User
from tests.web.conftest import Auth
from webui import create_app

JOBTRAJECT = Path(sys.executable).with_name("jobtraject")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
BLOCK = re.compile(r"<!-- going-live:begin.*?-->\s*```sh\n(.*?)```\s*<!-- going-live:end -->", re.S)


def guide_steps() -> list[tuple[dict[str, str], list[str]]]:
    """Each command line of the guide's block: (environment assignments, argv)."""
    text = BLOCK.search(GUIDE.read_text()).group(1)
    steps = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        env = {}
        while "=" in words[0] and not words[0].startswith("-"):
            key, value = words.pop(0).split("=", 1)
            env[key] = value
        steps.append((env, words))
    return steps


def run(env: dict[str, str], argv: list[str]) -> subprocess.CompletedProcess:
    assert argv[0] == "jobtraject", argv
    return subprocess.run([str(JOBTRAJECT), *argv[1:]], env=env, capture_output=True, text=True, timeout=180)


def test_the_guide_lists_the_steps_in_a_working_order():
    commands = [argv[1] for _env, argv in guide_steps()]
    assert commands[0] == "migrate"
    assert commands.index("organisation") < commands.index("create-user") < commands.index("backup")
    assert "demo-data" not in commands
    for setting in ("SECRET_KEY", "DATA_KEY_FILE", "SMTP_HOST", "MAIL_FROM", "BASE_URL"):
        assert setting in GUIDE.read_text().split("## Going live")[1].split("## Configuration")[0], setting


def test_going_live_on_an_empty_database_then_the_admin_invites_a_coach(empty_db_url, tmp_path, smtp_server):
    key_file = tmp_path / "sleutels" / "data_key"
    env = {**os.environ, "DATABASE_URL": empty_db_url, "SECRET_KEY": "going-live-" + "k" * 40,
           "DATA_KEY_FILE": str(key_file), "BASE_URL": "https://jobtraject.example.nl",
           "SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port),
           "MAIL_FROM": "jobtraject <noreply@job.example.nl>"}
    admin_password = None
    for extra, argv in guide_steps():
        argv = [str(tmp_path / a[1:]) if a.startswith("/backups/") else a for a in argv]
        admin_password = extra.get("JOBTRAJECT_PASSWORD", admin_password)
        result = run({**env, **extra}, argv)
        assert result.returncode == 0, f"{argv}: {result.stdout}{result.stderr}"
    assert (tmp_path / "backups" / "jobtraject-eerste.bin").stat().st_size > 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # the key to back up apart

    db = Database(empty_db_url)
    with db.read() as s:
        orgs = dict(s.execute(select(Organisation.name, Organisation.kind)).all())
        users = s.execute(select(User.email, User.role)).all()
        history = s.scalar(select(func.count()).select_from(AdminAuditEntry))
    db.dispose()
    assert orgs == {"JoB Jobcoaching": "job", "WSP Rijk van Nijmegen": "wsp", "WSP Midden-Gelderland": "wsp"}
    assert users == [("beheer@job.example.nl", "admin")]  # no demo data, only what the guide made
    assert history == 4

    app = create_app({"DATABASE_URL": empty_db_url, "SECRET_KEY": env["SECRET_KEY"], "DATA_KEY_FILE": str(key_file),
                      "BASE_URL": env["BASE_URL"], "TESTING": True})
    try:
        client = app.test_client()
        auth = Auth(client)
        r = auth.login("beheer@job.example.nl", admin_password)
        assert r.status_code == 302 and not r.headers["Location"].endswith("/login"), r.headers.get("Location")
        page = client.get("/beheer/organisaties").get_data(as_text=True)
        assert "WSP Midden-Gelderland" in page
        job = str(next(o.id for o in _orgs(app) if o.name == "JoB Jobcoaching"))
        form = client.get("/beheer/gebruikers/uitnodigen").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        r = client.post("/beheer/gebruikers/uitnodigen", data={
            "csrf_token": token, "email": "coach@job.example.nl", "name": "Eerste Coach", "role": "job",
            "organisation_id": job, "is_coordinator": "y", "reason": "Eerste coach"})
        assert r.status_code == 302, r.get_data(as_text=True)

        sent = run(env, ["jobtraject", "worker", "--once"])
        assert sent.returncode == 0, sent.stdout + sent.stderr
        (mail,) = smtp_server.to("coach@job.example.nl")
        link = re.search(r"https://jobtraject\.example\.nl(/uitnodiging/\S+)", mail.text).group(1)
        coach = app.test_client()
        page = coach.get(link).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        r = coach.post(link, data={"csrf_token": token, "new": "Lange-zomeravond-in-Elst-3",
                                   "repeat": "Lange-zomeravond-in-Elst-3"})
        assert r.status_code == 302
        assert coach.get(link).status_code == 404
        r = Auth(coach).login("coach@job.example.nl", "Lange-zomeravond-in-Elst-3")
        assert r.status_code == 302 and not r.headers["Location"].endswith("/login")
        assert "Beheer" in coach.get("/").get_data(as_text=True)  # a coordinator manages organisations
    finally:
        app.extensions["jobtraject"].db.dispose()


def _orgs(app):
    from engine.spec import SYSTEM_ACTOR
    from workflows.usecases.administration import Administration

    return Administration(app.extensions["jobtraject"]).organisations(SYSTEM_ACTOR)
