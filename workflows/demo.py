"""Demo data so a newcomer sees a living system: JoB, two WSP regions, employers, users.

Every demo user has the password DEMO_PASSWORD (shown in the README; demo only).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Organisation, User
from engine.passwords import hash_password
from engine.services import Services
from workflows.models import Company
from workflows.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_JOB, ORG_WSP, WSP

DEMO_PASSWORD = "demo-wachtwoord-2026"

ORGANISATIONS = [
    # name, kind, parent (WSP region of an employer)
    ("JoB Jobcoaching", ORG_JOB, None),
    ("WSP Rijk van Nijmegen", ORG_WSP, None),
    ("WSP Midden-Gelderland", ORG_WSP, None),
    ("Bakkerij De Korenaar", ORG_EMPLOYER, "WSP Rijk van Nijmegen"),
    ("Hoveniersbedrijf Groen & Zo", ORG_EMPLOYER, "WSP Rijk van Nijmegen"),
    ("Logistiek Centrum Arnhem", ORG_EMPLOYER, "WSP Midden-Gelderland"),
]

COMPANIES = {
    "Bakkerij De Korenaar": ("12345678", 48, "Marieke Jansen"),
    "Hoveniersbedrijf Groen & Zo": ("23456789", 19, "Peter van den Berg"),
    "Logistiek Centrum Arnhem": ("34567890", 160, "Fatima El Amrani"),
}

USERS = [
    # email, name, role, organisation, coordinator
    ("sanne@job.example", "Sanne de Vries", JOB, "JoB Jobcoaching", True),
    ("ahmed@job.example", "Ahmed Yilmaz", JOB, "JoB Jobcoaching", False),
    ("beheer@job.example", "Beheerder JoB", ADMIN, "JoB Jobcoaching", False),
    ("lisa@wsp-nijmegen.example", "Lisa Bakker", WSP, "WSP Rijk van Nijmegen", False),
    ("tom@wsp-gelderland.example", "Tom Hendriks", WSP, "WSP Midden-Gelderland", False),
    ("marieke@korenaar.example", "Marieke Jansen", OPDRACHTGEVER, "Bakkerij De Korenaar", False),
    ("harrie@korenaar.example", "Harrie Willems", HARRIE, "Bakkerij De Korenaar", False),
    ("peter@groenenzo.example", "Peter van den Berg", OPDRACHTGEVER, "Hoveniersbedrijf Groen & Zo", False),
    ("fatima@lca.example", "Fatima El Amrani", OPDRACHTGEVER, "Logistiek Centrum Arnhem", False),
]


def load_demo(services: Services) -> str:
    """Insert the demo organisations and users; returns a one-line summary."""
    now = services.clock.now()
    pw = hash_password(DEMO_PASSWORD)
    with services.db.write() as s:
        ids: dict[str, int] = {}
        for name, kind, parent in ORGANISATIONS:
            org = Organisation(name=name, kind=kind, parent_id=ids.get(parent) if parent else None, created_at=now)
            s.add(org)
            s.flush()
            ids[name] = org.id
        for name, (kvk, employees, contact) in COMPANIES.items():
            s.add(Company(organisation_id=ids[name], kvk_number=kvk, employees=employees, contact_name=contact))
        for email, name, role, org, coordinator in USERS:
            s.add(User(email=email, name=name, role=role, organisation_id=ids[org], password_hash=pw, active=True,
                       is_coordinator=coordinator, notify="digest", session_epoch=0, created_at=now))
        n_users = len(s.scalars(select(User.id)).all())
    return f"Demo data loaded: {len(ids)} organisations, {n_users} users (password: {DEMO_PASSWORD})."
