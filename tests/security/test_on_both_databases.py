"""The database-backed security parts behave the same on SQLite and PostgreSQL: login
throttling shared by several processes, sessions, and erasure that keeps the audit chain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from engine.audit import verify_all
from engine.identity.authn import Authn, AuthSettings
from engine.identity.passwords import hash_password
from engine.spec import SYSTEM_ACTOR, Actor
from engine.store.db import Base, Database
from engine.store.models import User
from tests.helpers import T0, make_org, make_user
from webui import create_app
from workflows.demo import DEMO_PASSWORD, load_demo
from workflows.usecases.privacy import PrivacyServices

CANARY = "CANARY-REDEN-9b1c"


def test_failed_logins_are_counted_across_processes(db, clock):
    marieke = make_user(db, make_org(db), "opdrachtgever", "marieke@korenaar.example")
    with db.write() as s:
        s.get(User, marieke.user_id).password_hash = hash_password(DEMO_PASSWORD)
    other = Database(db.url)
    try:
        one, two = Authn(db, clock, AuthSettings()), Authn(other, clock, AuthSettings())
        for i in range(5):
            assert (one if i % 2 else two).check_password("marieke@korenaar.example", "fout", "10.0.0.1") is None
        assert two.check_password("marieke@korenaar.example", DEMO_PASSWORD, "10.0.0.2") is None
        clock.advance(timedelta(minutes=16))
        user_id = one.check_password("marieke@korenaar.example", DEMO_PASSWORD, "10.0.0.2")
        assert user_id is not None
        token = one.start_session(user_id)
        assert two.session_user(token).user.id == user_id
        two.end_session(token)
        assert one.session_user(token) is None
    finally:
        other.dispose()


def test_erasure_keeps_the_audit_chain_and_leaves_no_trace_in_any_table(db_url):
    from engine.clock import FixedClock

    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "TESTING": True}, clock=FixedClock(T0))
    svc = app.extensions["jobtraject"]
    try:
        load_demo(svc)
        with svc.db.read() as s:
            u = s.scalars(select(User).where(User.email == "sanne@job.example")).one()
        sanne = Actor(u.id, u.role, u.organisation_id, u.name)
        svc.fire_trigger(sanne, 2, "pause", {"reason": "ziekte"}, reason=f"Daan Verhoeven {CANARY}")
        PrivacyServices(svc).erase(SYSTEM_ACTOR, 1, allow_running=True)
        dump = []
        with svc.db.read() as s:
            for table in Base.metadata.sorted_tables:
                dump.extend(map(str, s.execute(text(f'SELECT * FROM "{table.name}"')).all()))  # noqa: S608
            checked, problems = verify_all(s, svc.registry)
        everything = "\n".join(dump)
        assert "Verhoeven" not in everything and CANARY not in everything
        assert checked >= 8 and problems == []
    finally:
        svc.db.dispose()
