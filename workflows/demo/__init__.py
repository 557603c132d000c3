"""Demo data so a newcomer sees a living system: JoB, two WSP regions, employers, users,
candidates and company trajectories in different phases.

The trajectories are driven through the real use cases (`CompanyServices`), so their audit
trails, tasks and timers are real and `jobtraject audit verify` passes. Each story runs on
its own clock, set weeks in the past and moved forward step by step, so the history reads
like one (meetings held last month, tasks that are now due or overdue).

Every demo user has the password DEMO_PASSWORD (shown in the README, "The first five minutes"; demo only).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from engine.identity.passwords import hash_password
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation, User
from engine.workdays import AMSTERDAM
from workflows.demo.people import CANDIDATES, COMPANIES, DEMO_PASSWORD, ORGANISATIONS, USERS  # noqa: F401
from workflows.demo.story import Story as _Story
from workflows.demo.story import _levels, _profile
from workflows.domain import candidate_plan
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.storage.models import Company


def load_demo(services: Services, *, running_plans: bool = False) -> str:
    """Insert the demo organisations, users, candidates and trajectories; returns a summary.

    `running_plans` (what `jobtraject demo-data` loads): the bakery's story starts months
    earlier, so its two candidate plans are four months into their year, with goals,
    evaluations, INVRA observations and coaching hours. Without it the plans have just
    started (the smaller picture many tests pin their numbers to).
    """
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
        people: dict[str, Actor] = {}
        for email, name, role, org, coordinator in USERS:
            user = User(email=email, name=name, role=role, organisation_id=ids[org], password_hash=pw, active=True,
                        is_coordinator=coordinator, notify="digest", session_epoch=0, created_at=now)
            s.add(user)
            s.flush()
            people[email.split("@")[0]] = Actor(user.id, role, ids[org], name)
    _Demo(services, ids, people, running_plans=running_plans).play()
    with services.db.read() as s:
        n_users = s.scalar(select(func.count()).select_from(User))
        n_cases = s.scalar(select(func.count()).select_from(Case).where(Case.workflow == COMPANY_TRAJECTORY))
    return (f"Demo data loaded: {len(ids)} organisations, {n_users} users, {n_cases} company trajectories "
            f"(password: {DEMO_PASSWORD}).")


PLAN_DAYS_AGO = 128


class _Demo:
    def __init__(self, services: Services, orgs: dict[str, int], people: dict[str, Actor], *,
                 running_plans: bool = False) -> None:
        self.services, self.orgs, self.p = services, orgs, people
        self.with_plans = "candidate_plan" in services.registry.names()
        # The real plan (not a test's stand-in) is driven through its months by its declared actions.
        self.running_plans = running_plans and self.with_plans and (
            services.registry.latest("candidate_plan").spec is candidate_plan.WORKFLOW)

    def play(self) -> None:
        candidates = self.register_candidates()
        self.bakery(candidates[:3])
        self.garden_centre(candidates[3:])
        self.logistics()
        self.care_home()
        self.printer()
        self.gardener()

    def register_candidates(self) -> list[int]:
        story = _Story(self.services, days_ago=200 if self.running_plans else 120)
        checked = story.day(0)
        return [
            story.company.register_candidate(
                self.p["ahmed"], first_name=first, last_name=last, date_of_birth=born, target_group=group,
                in_doelgroepregister=in_register, register_checked_on=checked, contract_hours=hours,
                email=f"{first.lower()}.{last.lower().replace(' ', '')}@example.nl",
            )
            for first, last, born, group, in_register, hours in CANDIDATES
        ]

    def bakery(self, candidates: list[int]) -> None:
        """Bakkerij De Korenaar: from adviesgesprek to hired candidates (sollicitatie or trajectplan).

        With running plans the story starts long enough ago that the two plans are four
        months into their year.
        """
        lisa, sanne, ahmed, marieke = self.p["lisa"], self.p["sanne"], self.p["ahmed"], self.p["marieke"]
        s = _Story(self.services, days_ago=75 + (PLAN_DAYS_AGO - 19 if self.running_plans else 0))
        s.day(0)
        s.begin(sanne, self.orgs["Bakkerij De Korenaar"])
        s.fire(lisa, "record_advisory_meeting", {"date": s.date_of(7)})  # planned
        s.day(7, hour=15)
        s.fire(lisa, "record_advisory_meeting", {
            "participants": ["job", "wsp", "opdrachtgever"],
            "departments": [
                {"name": "Productie", "possibilities": "Voorbereidend werk: afwegen, uitstallen, schoonmaken"},
                {"name": "Expeditie", "possibilities": "Kratten wassen, bestellingen klaarzetten"},
                {"name": "Winkel", "possibilities": "Vakken vullen in de ochtend"},
            ],
            "support": "groot",
            "notes": "Directie wil invulling geven aan de banenafspraak; ploegleiders staan open.",
        })
        s.fire(lisa, "start_company_analysis")
        s.day(21)
        s.fire(lisa, "record_company_analysis", {
            "departments": [
                {"name": "Productie", "processes": "Deeg maken, afwegen, bakken, koelen, snijden"},
                {"name": "Expeditie", "processes": "Orders verzamelen, kratten wassen, laden"},
                {"name": "Winkel", "processes": "Uitstallen, verkoop, schoonmaak"},
            ],
            "tasks": [
                {"title": "Broodkratten wassen en stapelen", "department": "Expeditie"},
                {"title": "Ingrediënten afwegen volgens recept", "department": "Productie"},
                {"title": "Bestellingen voor de filialen klaarzetten", "department": "Expeditie"},
                {"title": "Brood snijden en verpakken", "department": "Productie"},
                {"title": "Vakken vullen in de winkel", "department": "Winkel"},
            ],
        })
        s.fire(lisa, "finish_company_analysis")
        closing = s.day(31)
        s.fire(lisa, "record_closing_meeting", {"date": closing, "chosen_tasks": [1, 3, 4]})
        s.fire(sanne, "record_vacancy", {
            "title": "Medewerker productie en expeditie", "hours_per_week": 24, "location": "Nijmegen",
            "tasks": ["Broodkratten wassen en stapelen", "Bestellingen voor de filialen klaarzetten",
                      "Brood snijden en verpakken"],
            "description": "Vroege dienst (6.00-11.00 uur) in een hecht team.",
        })
        s.fire(sanne, "record_workplace_profile", _profile("22122112211" + "2" + "2212121" + "1222112221122112222"))
        s.fire(sanne, "open_recruitment")
        s.day(38)
        for cid in candidates:
            s.fire(ahmed, "propose_candidate", {"candidate_id": cid})
        s.day(40)
        s.fire(marieke, "name_harrie", {"harrie_user_id": self.p["harrie"].user_id})
        s.fire(sanne, "start_interviews")
        interview = s.day(45)
        for cid in candidates:
            s.fire(marieke, "record_interview", {"candidate_id": cid, "date": interview, "harrie_present": True})
        if not self.with_plans:
            s.take_task(sanne, "plan_interviews")
            return
        s.day(49)
        for cid, hours in ((candidates[0], 24), (candidates[1], 32)):
            s.fire(marieke, "hire_candidate", {"candidate_id": cid, "start_date": s.date_of(56),
                                               "contract_hours": hours, "fulltime": False})
        s.fire(marieke, "reject_candidate", {"candidate_id": candidates[2], "reason": "andere_kandidaat_gekozen"})
        s.fire(sanne, "start_trajectplan")
        s.take_task(sanne, "support_hr")
        if self.running_plans:
            self.bakery_plans(s, candidates[0], candidates[1])

    def bakery_plans(self, s: _Story, daan: int, noor: int) -> None:
        """Two plans started on day 56 of the bakery story, driven month by month.

        Daan: signed plan, goals, evaluations week 4 / month 2 / month 3, two INVRA
        observations (growth), a contract, coaching hours; the next evaluation falls due
        about now. Noor: the same first months with one observation, then paused (illness).
        """
        sanne, marieke = self.p["sanne"], self.p["marieke"]
        def do(actor: Actor, case_id: int, action: str, **fields: Any) -> Any:
            """A demo person performs a declared action, as on the plan page."""
            payload = {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items() if v is not None}
            return s.services.perform(actor, case_id, action, payload).result

        with s.services.db.read() as q:
            ids = {c.data["candidate_id"]: c.id for c in q.scalars(select(Case).where(Case.parent_id == s.case_id))}
        start = 56
        P = {daan: ids[daan], noor: ids[noor]}  # noqa: N806 - plan ids by candidate
        day = s.date_of
        s.day(50)
        goals: dict[int, list[int]] = {}
        for cid, case_id in P.items():
            do(
                sanne, case_id, "update_plan", function="Medewerker productie en expeditie", contact_user_id=marieke.user_id,
                coaching_need="Werkprofiel INVRA introduceren; vaste volgorde van taken; korte instructies.",
                onboarding_programme="Week 1-2 samen met Harrie kratten en bestellingen; week 3-4 zelfstandig "
                                     "kratten wassen met een dagelijks kort overleg.",
                hours_distribution="Week 1-2 dagelijks op de werkvloer, daarna wekelijks een bezoek.")
            goals[cid] = [
                do(sanne, case_id, "add_goal", specific="Zelfstandig de broodkratten wassen en stapelen",
                               measure="Drie weken achter elkaar zonder bijsturing van Harrie",
                               target_date=day(start + 60), owner="kandidaat", competence="3"),
                do(sanne, case_id, "add_goal", specific="Op tijd beginnen aan de vroege dienst",
                               measure="Vier weken lang elke dienst om 6.00 uur aanwezig",
                               target_date=day(start + 90), owner="kandidaat", competence="24"),
            ]
            do(sanne, case_id, "offer_for_signature", document="trajectplan")
            do(marieke, case_id, "sign", party="opdrachtgever", round=1)
            do(sanne, case_id, "sign", party="kandidaat", round=1)
            do(sanne, case_id, "sign", party="job", round=1)
        # coaching hours: long days in weeks 1-2, then a visit every three weeks (Noor until her pause);
        # the other days are the milestones below
        coaching_days = [start + d for d in (0, 3, 7, 10)] + list(range(start + 15, start + 130, 21))
        for n in sorted({*coaching_days, *(start + d for d in (29, 50, 57, 85, 113, 120))}):
            s.day(n, hour=14)
            for cid, case_id in P.items():
                if n not in coaching_days or (cid == noor and n > start + 115):
                    continue
                do(sanne, case_id, "log_hours", worked_on=s.clock.now().astimezone(AMSTERDAM).date(),
                                hours="7,5" if n < start + 14 else ("6" if cid == daan else "4,5"),
                                activity="werkvloer" if n < start + 14 or n % 2 else "harrie")
            if n == start + 29:  # evaluation of week 4
                s.run_timers()
                for cid, case_id in P.items():
                    do(
                        sanne, case_id, "record_evaluation", milestone="week4", held_on=day(n), discussed="Inwerken verloopt goed; "
                        "kratten wassen lukt met hulp.", next_steps="INVRA-observatie in maand 2",
                        goal_reviews=[{"goal_id": goals[cid][0], "status": "open", "note": "Gaat vooruit"}])
            if n == start + 50:  # month 2: INVRA observation and interviews
                s.run_timers()
                for case_id in P.values():
                    do(sanne, case_id, "record_observation", observed_on=day(n), scores=_levels(
                        "21112111211" + "2" + "2212111" + "1122112211121112212"))
                    do(
                        sanne, case_id, "record_evaluation", milestone="invra_observatie", held_on=day(n),
                        discussed="Observatie op de werkvloer; persoonsprofiel besproken.",
                        interview_candidate="Vindt de vroege dienst zwaar, werkt graag met vaste taken.",
                        interview_harrie="Werkt nauwkeurig; heeft soms moeite met tempo bij drukte.")
            if n == start + 57:  # end of the proefplaatsing: a contract
                s.run_timers()
                for case_id in P.values():
                    do(marieke, case_id, "offer_contract")
            if n == start + 85:  # month 3: INVRA evaluation and action plan
                s.run_timers()
                for cid, case_id in P.items():
                    goals[cid].append(do(
                        sanne, case_id, "add_goal", specific="Bestellingen voor de filialen klaarzetten met de paklijst",
                        measure="Twee weken foutloos, gecontroleerd door Harrie", target_date=day(start + 150),
                        owner="kandidaat", competence="7"))
                    do(
                        sanne, case_id, "record_evaluation", milestone="maand3", held_on=day(n),
                        discussed="INVRA-evaluatie: tempo en overzicht groeien; actieplan vastgesteld.",
                        next_steps="Evaluatie actieplan over zes weken.",
                        goal_reviews=[{"goal_id": goals[cid][0], "status": "behaald", "note": "Zelfstandig"},
                                      {"goal_id": goals[cid][1], "status": "deels", "note": "Twee keer te laat"}])
            if n == start + 113:  # Daan's second observation shows growth
                s.run_timers()
                do(sanne, P[daan], "record_observation", observed_on=day(n), scores=_levels(
                    "22122111221" + "2" + "2212121" + "1222112221121112222"))
            if n == start + 120:  # Noor falls ill; Daan's action plan goes round for signatures
                s.run_timers()
                do(sanne, P[noor], "pause", reason="ziekte")
                do(sanne, P[daan], "offer_for_signature", document="actieplan")
                do(sanne, P[daan], "sign", party="kandidaat", round=2)
                do(sanne, P[daan], "sign", party="job", round=2)
        s.day(start + 140)
        s.run_timers()

    def garden_centre(self, candidates: list[int]) -> None:
        """Tuincentrum De Bongerd: werving, three candidates proposed, Harrie already named."""
        tom, sanne, ingrid = self.p["tom"], self.p["sanne"], self.p["ingrid"]
        s = _Story(self.services, days_ago=50)
        s.day(0)
        s.begin(tom, self.orgs["Tuincentrum De Bongerd"])
        held = s.day(6)
        s.fire(tom, "record_advisory_meeting", {
            "date": held, "participants": ["job", "wsp", "opdrachtgever"], "support": "voldoende",
            "departments": [{"name": "Kwekerij", "possibilities": "Oppotten, water geven, stekken"},
                            {"name": "Winkel", "possibilities": "Planten verzorgen en presenteren"}],
        })
        s.fire(tom, "start_company_analysis")
        s.day(16)
        s.fire(tom, "record_company_analysis", {
            "departments": [{"name": "Kwekerij", "processes": "Stekken, oppotten, verzorgen"},
                            {"name": "Winkel", "processes": "Presentatie, kassa, klantvragen"}],
            "tasks": [{"title": "Planten oppotten", "department": "Kwekerij"},
                      {"title": "Water geven en uitgebloeide bloemen verwijderen", "department": "Winkel"},
                      {"title": "Winkelwagens verzamelen", "department": "Winkel"}],
        })
        s.fire(tom, "finish_company_analysis")
        closing = s.day(27)
        s.fire(tom, "record_closing_meeting", {"date": closing, "chosen_tasks": [1, 2]})
        s.fire(sanne, "record_vacancy", {
            "title": "Medewerker kwekerij", "hours_per_week": 20, "location": "Ede",
            "tasks": ["Planten oppotten", "Water geven en uitgebloeide bloemen verwijderen"],
        })
        s.fire(sanne, "record_workplace_profile", _profile("1" * 12 + "2" * 7 + "2" * 19))
        s.fire(tom, "open_recruitment")
        s.day(36)
        for cid in candidates:
            s.fire(tom, "propose_candidate", {"candidate_id": cid})
        s.fire(ingrid, "name_harrie", {"harrie_user_id": self.p["bert"].user_id})

    def logistics(self) -> None:
        """Logistiek Centrum Arnhem: eindgesprek, vacancy written, werkplekprofiel half done."""
        tom, ahmed = self.p["tom"], self.p["ahmed"]
        s = _Story(self.services, days_ago=45)
        s.day(0)
        s.begin(tom, self.orgs["Logistiek Centrum Arnhem"])
        held = s.day(4)
        s.fire(tom, "record_advisory_meeting", {
            "date": held, "participants": ["job", "wsp", "opdrachtgever"], "support": "groot",
            "departments": [{"name": "Inslag", "possibilities": "Dozen openen en sorteren"},
                            {"name": "Retouren", "possibilities": "Retouren controleren en terugzetten"}],
        })
        s.fire(tom, "start_company_analysis")
        s.day(18)
        s.fire(tom, "record_company_analysis", {
            "departments": [{"name": "Inslag", "processes": "Lossen, registreren, wegzetten"},
                            {"name": "Retouren", "processes": "Controleren, herverpakken, terugzetten"}],
            "tasks": [{"title": "Retouren uitpakken en sorteren", "department": "Retouren"},
                      {"title": "Labels plakken op herverpakte dozen", "department": "Retouren"},
                      {"title": "Karton en folie scheiden", "department": "Inslag"}],
        })
        s.fire(tom, "finish_company_analysis")
        closing = s.day(25)
        s.fire(tom, "record_closing_meeting", {"date": closing, "chosen_tasks": [1, 2, 3]})
        s.fire(ahmed, "record_vacancy", {
            "title": "Medewerker retourafdeling", "hours_per_week": 32, "location": "Arnhem",
            "tasks": ["Retouren uitpakken en sorteren", "Labels plakken op herverpakte dozen",
                      "Karton en folie scheiden"],
        })
        s.fire(ahmed, "record_workplace_profile", _profile("2212221122221112221"))  # 19 of 38 so far
        s.take_task(ahmed, "write_vacancy")

    def care_home(self) -> None:
        """Zorgcentrum De Linde: bedrijfsanalyse under way."""
        lisa, sanne = self.p["lisa"], self.p["sanne"]
        s = _Story(self.services, days_ago=20)
        s.day(0)
        s.begin(lisa, self.orgs["Zorgcentrum De Linde"])
        held = s.day(5)
        s.fire(lisa, "record_advisory_meeting", {
            "date": held, "participants": ["job", "wsp", "opdrachtgever"], "support": "voldoende",
            "departments": [{"name": "Facilitair", "possibilities": "Post rondbrengen, vergaderzalen klaarzetten"},
                            {"name": "Linnenkamer", "possibilities": "Vouwen en sorteren van linnengoed"}],
            "notes": "Zorgteams zelf willen eerst meer weten over begeleiding op de werkvloer.",
        })
        s.fire(sanne, "start_company_analysis")
        s.day(12)
        s.fire(lisa, "record_company_analysis", {
            "departments": [{"name": "Facilitair", "processes": "Post, schoonmaak, vergaderservice"}],
        })

    def printer(self) -> None:
        """Drukkerij Het Gulden Boek: stopped during the bedrijfsanalyse (no suitable tasks)."""
        tom = self.p["tom"]
        s = _Story(self.services, days_ago=30)
        s.day(0)
        s.begin(tom, self.orgs["Drukkerij Het Gulden Boek"])
        held = s.day(3)
        s.fire(tom, "record_advisory_meeting", {
            "date": held, "participants": ["wsp", "opdrachtgever"], "support": "beperkt",
            "departments": [{"name": "Afwerking", "possibilities": "Misschien snijden en inpakken"}],
        })
        s.fire(tom, "start_company_analysis")
        s.day(17)
        s.fire(tom, "record_company_analysis", {
            "departments": [{"name": "Afwerking", "processes": "Snijden, vouwen, inpakken: grotendeels machinaal"}],
        })
        s.fire(tom, "stop", {"reason": "geen_geschikte_taken"})

    def gardener(self) -> None:
        """Hoveniersbedrijf Groen & Zo: just started, adviesgesprek planned next week."""
        lisa, sanne = self.p["lisa"], self.p["sanne"]
        s = _Story(self.services, days_ago=3)
        s.day(0)
        s.begin(sanne, self.orgs["Hoveniersbedrijf Groen & Zo"])
        s.fire(lisa, "record_advisory_meeting", {"date": s.date_of(9)})  # planned
