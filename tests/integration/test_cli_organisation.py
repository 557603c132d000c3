"""`jobtraject organisation create|list` and `create-user` (click runner, SQLite and PostgreSQL):
refusals name the option and write nothing; the fresh-database path of issue 19 works."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from engine.clock import FixedClock
from tests.helpers import T0
from tests.security.routes import snapshot
from webui import create_app
from webui.cli import main


@pytest.fixture
def app(db_url):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    yield app
    app.extensions["jobtraject"].db.dispose()


def cli(app, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), env=env)


def test_a_fresh_database_gets_job_a_region_an_employer_and_its_first_admin(app):
    assert "Nog geen organisaties" in cli(app, "organisation", "list").output
    unknown = cli(app, "create-user", "beheer@job.example", "--role", "admin", "--organisation", "JoB Jobcoaching",
                  env={"JOBTRAJECT_PASSWORD": "Een-heel-lang-wachtwoord-9"})
    assert unknown.exit_code == 1 and "jobtraject organisation create" in unknown.output
    assert cli(app, "organisation", "create", "JoB Jobcoaching", "--kind", "job").exit_code == 0
    assert cli(app, "organisation", "create", "WSP Rijk van Nijmegen", "--kind", "wsp").exit_code == 0
    made = cli(app, "organisation", "create", "Bakkerij", "--kind", "employer", "--wsp", "wsp rijk van nijmegen",
               "--employees", "30")
    assert made.exit_code == 0, made.output
    user = cli(app, "create-user", "beheer@job.example", "--role", "admin", "--organisation", "JoB Jobcoaching",
               env={"JOBTRAJECT_PASSWORD": "Een-heel-lang-wachtwoord-9"})
    assert user.exit_code == 0, user.output
    listed = cli(app, "organisation", "list").output.splitlines()
    assert listed[0].split("\t")[1:4] == ["JoB", "JoB Jobcoaching", "gebruikers: 1"]
    assert listed[2].endswith("regio: WSP Rijk van Nijmegen\tmedewerkers: 30")


def test_refusals_name_the_option_and_write_nothing(app):
    assert cli(app, "organisation", "create", "WSP Rijk van Nijmegen", "--kind", "wsp").exit_code == 0
    db = app.extensions["jobtraject"].db
    before = snapshot(db)
    no_region = cli(app, "organisation", "create", "Bakkerij", "--kind", "employer")
    assert no_region.exit_code == 1 and "--wsp: Dit veld is verplicht." in no_region.output
    twice = cli(app, "organisation", "create", "wsp rijk van nijmegen", "--kind", "wsp", "--employees", "3")
    assert "NAAM: Er bestaat al een organisatie met deze naam." in twice.output
    assert "--employees: Het aantal medewerkers hoort alleen bij een werkgever." in twice.output
    wrong_role = cli(app, "create-user", "a@wsp.example", "--role", "admin", "--organisation", "WSP Rijk van Nijmegen",
                     env={"JOBTRAJECT_PASSWORD": "Een-heel-lang-wachtwoord-9"})
    assert wrong_role.exit_code == 1 and "--role: Deze rol past niet bij WSP Rijk van Nijmegen" in wrong_role.output
    weak = cli(app, "create-user", "a@wsp.example", "--role", "wsp", "--organisation", "WSP Rijk van Nijmegen",
               env={"JOBTRAJECT_PASSWORD": "kort"})
    assert weak.exit_code == 1 and weak.output.startswith("Error: wachtwoord:")
    assert snapshot(db) == before
