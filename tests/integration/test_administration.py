"""The administration use cases on SQLite and PostgreSQL: organisations, invitations, accounts, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import InvalidPayload, NotFound
from engine.identity import tokens
from engine.identity.invitations import Invitations
from engine.spec import SYSTEM_ACTOR, Actor
from engine.store.admin_models import InvitationToken
from engine.store.models import OutboxMessage, User
from tests.helpers import T0
from tests.security.routes import snapshot
from webui import create_app
from workflows.storage.models import Company
from workflows.usecases.administration import Administration

LINK = "https://jobtraject.example.nl/uitnodiging/"


@pytest.fixture
def app(db_url):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def admin(app) -> Administration:
    return Administration(app.extensions["jobtraject"], sealer=app.extensions["jobtraject.authn"].sealer)


def first_run(admin: Administration) -> dict[str, int]:
    """JoB, one WSP region, one employer and the first admin, as on the command line."""
    job = admin.create_organisation(SYSTEM_ACTOR, name="JoB Jobcoaching", kind="job", reason="start")
    wsp = admin.create_organisation(SYSTEM_ACTOR, name="WSP Rijk van Nijmegen", kind="wsp", reason="start")
    bakery = admin.create_organisation(SYSTEM_ACTOR, name="Bakkerij", kind="employer", wsp_organisation_id=wsp,
                                       employees=30, reason="start")
    boss = admin.create_user(SYSTEM_ACTOR, password="Een-heel-lang-wachtwoord-9", email="Beheer@JoB.example",
                             name="Beheerder", role="admin", organisation_id=job, reason="start")
    return {"job": job, "wsp": wsp, "bakery": bakery, "admin": boss}


def as_admin(ids) -> Actor:
    return Actor(user_id=ids["admin"], role="admin", organisation_id=ids["job"], name="Beheerder")


def test_the_first_run_makes_organisations_an_employer_row_and_a_history(admin, app):
    ids = first_run(admin)
    with app.extensions["jobtraject"].db.read() as s:
        assert s.get(Company, ids["bakery"]).employees == 30
        assert s.scalar(select(User.email).where(User.id == ids["admin"])) == "beheer@job.example"
    lines = admin.history(SYSTEM_ACTOR)
    assert [h.action for h in lines] == ["Gebruiker aangemaakt", "Organisatie aangemaakt", "Organisatie aangemaakt",
                                         "Organisatie aangemaakt"]
    assert {h.actor for h in lines} == {"Opdrachtregel (beheerder)"}
    assert lines[1].changes["wsp_regio"] == [None, "WSP Rijk van Nijmegen"]


def test_organisation_names_are_unique_whatever_the_case_and_a_refusal_writes_nothing(admin, app):
    ids = first_run(admin)
    before = snapshot(app.extensions["jobtraject"].db)
    with pytest.raises(InvalidPayload) as refused:
        admin.create_organisation(as_admin(ids), name="bakkerij", kind="employer", reason="dubbel")
    assert refused.value.errors == {"name": "Er bestaat al een organisatie met deze naam.",
                                    "wsp_organisation_id": "Dit veld is verplicht."}
    with pytest.raises(InvalidPayload) as refused:
        admin.update_organisation(as_admin(ids), ids["bakery"], name="Bakkerij", wsp_organisation_id=ids["job"],
                                  employees=30, reason="fout")
    assert refused.value.errors == {"wsp_organisation_id": "Kies een bestaande WSP-regio."}
    assert snapshot(app.extensions["jobtraject"].db) == before


def test_a_coordinator_edits_employers_but_not_job_and_a_coach_nothing(admin, app):
    ids = first_run(admin)
    coordinator = admin.create_user(SYSTEM_ACTOR, password="Een-heel-lang-wachtwoord-9", email="co@job.example",
                                    name="Co", role="job", organisation_id=ids["job"], is_coordinator=True,
                                    reason="start")
    coach = admin.create_user(SYSTEM_ACTOR, password="Een-heel-lang-wachtwoord-9", email="coach@job.example",
                              name="Coach", role="job", organisation_id=ids["job"], reason="start")
    co = Actor(user_id=coordinator, role="job", organisation_id=ids["job"], name="Co")
    admin.update_organisation(co, ids["bakery"], name="Bakkerij", wsp_organisation_id=ids["wsp"], employees=35,
                              reason="groei")
    with pytest.raises(NotFound):
        admin.update_organisation(co, ids["job"], name="JoB", reason="nee")
    with pytest.raises(NotFound):
        admin.users(co)
    with pytest.raises(NotFound):
        admin.organisations(Actor(user_id=coach, role="job", organisation_id=ids["job"], name="Coach"))


def test_an_invitation_is_sealed_in_the_outbox_works_once_and_expires(admin, app):
    ids = first_run(admin)
    svc = app.extensions["jobtraject"]
    links: list[str] = []
    new = admin.invite_user(as_admin(ids), link_for=lambda t: links.append(LINK + t) or LINK + t,
                            email="harrie@bakkerij.example", name="Harrie", role="harrie",
                            organisation_id=ids["bakery"], reason="nieuw")
    token = links[0].removeprefix(LINK)
    with svc.db.read() as s:
        mail = s.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == new)).one()
        stored = s.scalars(select(InvitationToken.token_hash)).all()
    assert token not in mail.body_text and mail.sealed_secret and token not in stored
    inv = Invitations(svc.db, svc.clock)
    with pytest.raises(InvalidPayload):
        inv.accept(token, "harrie")  # too short and like the name: nothing used up
    assert inv.valid(token)
    assert inv.accept(token, "Deeg-kneden-om-vijf-uur-3") == new
    assert not inv.valid(token)
    # A second invitation, resent after the first expired
    other = admin.invite_user(as_admin(ids), link_for=lambda t: links.append(LINK + t) or LINK + t,
                              email="hr@bakkerij.example", name="HR", role="opdrachtgever",
                              organisation_id=ids["bakery"], reason="nieuw")
    svc.clock.advance(timedelta(days=3, seconds=1))
    assert not inv.valid(links[1].removeprefix(LINK))
    admin.resend_invitation(as_admin(ids), other, "verlopen", lambda t: links.append(LINK + t) or LINK + t)
    assert inv.valid(links[2].removeprefix(LINK))


def test_deactivation_ends_sessions_tokens_and_invitations_and_is_in_the_history(admin, app):
    ids = first_run(admin)
    svc = app.extensions["jobtraject"]
    links: list[str] = []
    coach = admin.create_user(SYSTEM_ACTOR, password="Een-heel-lang-wachtwoord-9", email="coach@job.example",
                              name="Coach", role="job", organisation_id=ids["job"], reason="start")
    invited = admin.invite_user(as_admin(ids), link_for=lambda t: links.append(t) or t, email="n@job.example",
                                name="Nieuw", role="job", organisation_id=ids["job"], reason="nieuw")
    secret = tokens.create_token(svc.db, svc.clock, coach, "koppeling").secret
    session = app.extensions["jobtraject.authn"].start_session(coach)
    admin.set_active(as_admin(ids), coach, False, "uit dienst")
    admin.set_active(as_admin(ids), invited, False, "gaat niet door")
    assert tokens.actor_for_token(svc.db, svc.clock, secret) is None
    assert app.extensions["jobtraject.authn"].session_user(session) is None
    assert not Invitations(svc.db, svc.clock).valid(links[0])
    with pytest.raises(InvalidPayload):
        admin.set_active(as_admin(ids), ids["admin"], False, "zelf")
    last = admin.history(as_admin(ids))[0]
    assert (last.action, last.subject, last.reason) == ("Gebruiker gedeactiveerd", "n@job.example", "gaat niet door")
