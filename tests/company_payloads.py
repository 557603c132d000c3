"""What a company trajectory's forms record at each phase, for tests and the benchmark.

A bakery's adviesgesprek, bedrijfsanalyse, eindgesprek, vacancy and a complete INVRA
workplace profile: valid for the payload cleaners in workflows/domain/company_records.py.
"""

from __future__ import annotations

from workflows.domain import invra

MEETING = {
    "date": "2026-11-19",
    "participants": ["job", "wsp", "opdrachtgever"],
    "departments": [{"name": "Productie", "possibilities": "Eenvoudige voorbereidende taken"},
                    {"name": "Expeditie", "possibilities": "Kratten en bestellingen klaarzetten"}],
    "support": "voldoende",
}
ANALYSIS = {
    "departments": [{"name": "Productie", "processes": "Deeg, bakken, koelen"},
                    {"name": "Expeditie", "processes": "Orderpicken, laden"}],
    "tasks": [{"title": "Broodkratten schoonmaken", "department": "Expeditie"},
              {"title": "Deeg afwegen volgens recept", "department": "Productie"},
              {"title": "Bestellingen klaarzetten", "department": "Expeditie"}],
}
CLOSING = {"date": "2026-11-23", "chosen_tasks": [1, 3]}
VACANCY = {"title": "Medewerker expeditie", "hours_per_week": 24, "location": "Nijmegen",
           "tasks": ["Broodkratten schoonmaken", "Bestellingen klaarzetten"]}
PROFILE = {"levels": {code: 2 for code in invra.CODES}}
