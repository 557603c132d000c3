"""The roles people have in jobtraject, with the Dutch names users see."""

from __future__ import annotations

from engine.spec import SYSTEM

JOB = "job"
WSP = "wsp"
OPDRACHTGEVER = "opdrachtgever"
HARRIE = "harrie"
ADMIN = "admin"

ROLES: dict[str, str] = {
    JOB: "JoB",
    WSP: "WSP",
    OPDRACHTGEVER: "Opdrachtgever",
    HARRIE: "Harrie",
    ADMIN: "Beheerder",
    SYSTEM: "Systeem",
}

# Organisation kinds, and which roles a user of each kind may have.
ORG_JOB = "job"
ORG_WSP = "wsp"
ORG_EMPLOYER = "employer"

ORG_KINDS: dict[str, str] = {ORG_JOB: "JoB", ORG_WSP: "WSP-regio", ORG_EMPLOYER: "Werkgever"}

ROLES_BY_ORG_KIND: dict[str, tuple[str, ...]] = {
    ORG_JOB: (JOB, ADMIN),
    ORG_WSP: (WSP,),
    ORG_EMPLOYER: (OPDRACHTGEVER, HARRIE),
}


def role_label(role: str) -> str:
    return ROLES.get(role, role)
