"""Who is in the demo: organisations, employers' details, users (one per role) and candidates."""

from __future__ import annotations

from datetime import date

from workflows.domain.roles import (
    ADMIN,
    HARRIE,
    JOB,
    OPDRACHTGEVER,
    ORG_EMPLOYER,
    ORG_JOB,
    ORG_WSP,
    WSP,
)

DEMO_PASSWORD = "demo-wachtwoord-2026"

NIJMEGEN = "WSP Rijk van Nijmegen"
GELDERLAND = "WSP Midden-Gelderland"

ORGANISATIONS = [
    # name, kind, parent (WSP region of an employer)
    ("JoB Jobcoaching", ORG_JOB, None),
    (NIJMEGEN, ORG_WSP, None),
    (GELDERLAND, ORG_WSP, None),
    ("Bakkerij De Korenaar", ORG_EMPLOYER, NIJMEGEN),
    ("Hoveniersbedrijf Groen & Zo", ORG_EMPLOYER, NIJMEGEN),
    ("Logistiek Centrum Arnhem", ORG_EMPLOYER, GELDERLAND),
    ("Zorgcentrum De Linde", ORG_EMPLOYER, NIJMEGEN),
    ("Tuincentrum De Bongerd", ORG_EMPLOYER, GELDERLAND),
    ("Drukkerij Het Gulden Boek", ORG_EMPLOYER, GELDERLAND),
]

COMPANIES = {
    # name: (KvK number, employees, contact person)
    "Bakkerij De Korenaar": ("12345678", 48, "Marieke Jansen"),
    "Hoveniersbedrijf Groen & Zo": ("23456789", 19, "Peter van den Berg"),
    "Logistiek Centrum Arnhem": ("34567890", 160, "Fatima El Amrani"),
    "Zorgcentrum De Linde": ("45678901", 220, "Joost Peters"),
    "Tuincentrum De Bongerd": ("56789012", 64, "Ingrid Mulder"),
    "Drukkerij Het Gulden Boek": ("67890123", 31, "Wim de Boer"),
}

USERS = [
    # email, name, role, organisation, coordinator
    ("sanne@job.example", "Sanne de Vries", JOB, "JoB Jobcoaching", True),
    ("ahmed@job.example", "Ahmed Yilmaz", JOB, "JoB Jobcoaching", False),
    ("beheer@job.example", "Beheerder JoB", ADMIN, "JoB Jobcoaching", False),
    ("lisa@wsp-nijmegen.example", "Lisa Bakker", WSP, NIJMEGEN, False),
    ("tom@wsp-gelderland.example", "Tom Hendriks", WSP, GELDERLAND, False),
    ("marieke@korenaar.example", "Marieke Jansen", OPDRACHTGEVER, "Bakkerij De Korenaar", False),
    ("harrie@korenaar.example", "Harrie Willems", HARRIE, "Bakkerij De Korenaar", False),
    ("peter@groenenzo.example", "Peter van den Berg", OPDRACHTGEVER, "Hoveniersbedrijf Groen & Zo", False),
    ("fatima@lca.example", "Fatima El Amrani", OPDRACHTGEVER, "Logistiek Centrum Arnhem", False),
    ("joost@delinde.example", "Joost Peters", OPDRACHTGEVER, "Zorgcentrum De Linde", False),
    ("ingrid@debongerd.example", "Ingrid Mulder", OPDRACHTGEVER, "Tuincentrum De Bongerd", False),
    ("bert@debongerd.example", "Bert Hoekstra", HARRIE, "Tuincentrum De Bongerd", False),
]

# Fictional people. first name, last name, born, target group, in doelgroepregister, hours
CANDIDATES = [
    ("Daan", "Verhoeven", date(2001, 4, 12), "wajong", True, 24.0),
    ("Noor", "Bosman", date(1998, 9, 30), "wsw", True, 32.0),
    ("Kevin", "Smits", date(2003, 1, 17), "wajong", True, 20.0),
    ("Sophie", "de Graaf", date(1995, 6, 5), "anders", False, 16.0),
    ("Mohamed", "Ouali", date(2000, 11, 22), "wajong", True, 24.0),
    ("Lotte", "Kuipers", date(2002, 3, 8), "wsw", True, 28.0),
]
