"""A client runs a whole plan year over HTTP alone: from the adviesgesprek to the hire, then
goals, observations, evaluations, hours, the contract decision, signatures and the closing,
each through `POST /api/v1/cases/{id}/actions/{action}`. Only time passes by itself: the
scheduler's timer sweep moves the plan through its months (as in production)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.store.models import User
from tests.company_payloads import ANALYSIS, CLOSING, MEETING, PROFILE, VACANCY
from tests.helpers import make_user
from tests.plan_world import run_due_timers
from workflows.domain import invra

GROEN = "Hoveniersbedrijf Groen & Zo"


def employer_user(svc, organisation_id: int, role: str) -> str:
    with svc.db.read() as s:
        return s.scalar(select(User.email).where(User.organisation_id == organisation_id, User.role == role))


def test_a_client_drives_a_plan_year_over_http_alone(app, client, bearer, svc):
    job = bearer("sanne@job.example")
    me = client.get("/api/v1/users/me", headers=job).get_json()
    assert me["role"] == "job"
    orgs = client.get("/api/v1/organisations", headers=job).get_json()["items"]
    groen = next(o["id"] for o in orgs if o["name"] == GROEN)
    trajectory = next(c for c in client.get(f"/api/v1/cases?workflow=company_trajectory&organisation={groen}",
                                            headers=job).get_json()["items"])

    def act(headers, case_id: int, action: str, payload: dict | None = None, **extra) -> dict:
        r = client.post(f"/api/v1/cases/{case_id}/actions/{action}", headers=headers,
                        json={"payload": payload or {}, **extra})
        assert r.status_code == 200, (action, r.get_json())
        return r.get_json()

    # the company trajectory, phase by phase, up to the hire
    tid = trajectory["id"]
    for action, payload in [("record_advisory_meeting", MEETING), ("start_company_analysis", None),
                            ("record_company_analysis", ANALYSIS), ("finish_company_analysis", None),
                            ("record_closing_meeting", CLOSING), ("record_vacancy", VACANCY),
                            ("record_workplace_profile", PROFILE), ("open_recruitment", None)]:
        act(job, tid, action, payload)
    candidates = client.get("/api/v1/candidates", headers=job).get_json()["items"]
    candidate = candidates[-1]["id"]
    act(job, tid, "propose_candidate", {"candidate_id": candidate})
    act(job, tid, "start_interviews")
    peter = bearer(employer_user(svc, groen, "opdrachtgever"))
    # user administration is not on the API yet (see the going-live issue): the test adds the Harrie
    harrie = make_user(svc.db, groen, "harrie", "harrie@groenenzo.example", "Harrie Groen")
    harrie_email = "harrie@groenenzo.example"
    assert harrie
    harrie_id = client.get("/api/v1/users/me", headers=bearer(harrie_email)).get_json()["id"]
    act(peter, tid, "name_harrie", {"harrie_user_id": harrie_id})
    start = (svc.clock.now() + timedelta(days=7)).date()
    act(job, tid, "record_interview", {"candidate_id": candidate, "date": svc.clock.now().date().isoformat(),
                                       "harrie_present": True})
    hired = act(peter, tid, "hire_candidate", {"candidate_id": candidate, "start_date": start.isoformat(),
                                               "contract_hours": 24, "fulltime": False})
    plans = client.get(f"/api/v1/cases?workflow=candidate_plan&organisation={groen}", headers=job).get_json()
    plan = next(c for c in plans["items"] if c["parent_id"] == hired["id"])
    pid = plan["id"]

    # the plan document, two goals, the three signatures
    act(job, pid, "update_plan", {"function": "Hovenier in opleiding", "coaching_need": "Vaste volgorde van taken",
                                  "onboarding_programme": "Week 1-2 samen met Harrie"})
    goal = act(job, pid, "add_goal", {"specific": "Zelfstandig de heg snoeien", "measure": "Drie weken zonder hulp",
                                      "target_date": (start + timedelta(days=90)).isoformat(),
                                      "owner": "kandidaat"})["result"]
    act(job, pid, "offer_for_signature", {"document": "trajectplan"})
    act(peter, pid, "sign", {"party": "opdrachtgever", "round": 1})
    act(job, pid, "sign", {"party": "kandidaat", "round": 1})
    act(job, pid, "sign", {"party": "job", "round": 1})

    # the year: each day something falls due, the client does it; hours every two weeks
    recorded: set[str] = set()
    day = start
    while day <= start + timedelta(days=400):
        now = svc.clock.now().replace(year=day.year, month=day.month, day=day.day, hour=9)
        svc.clock.set(now)
        run_due_timers(svc, now)
        if (day - start).days % 14 == 0:
            act(job, pid, "log_hours", {"worked_on": day.isoformat(), "hours": "3,5", "activity": "werkvloer"})
        for item in client.get(f"/api/v1/cases/{pid}/schedule", headers=job).get_json()["items"]:
            if item["status"] not in ("open", "te_laat") or item["key"] in recorded:
                continue
            if item["kind"] == "besluit":
                act(peter, pid, "offer_contract")
            else:
                if item["key"] in ("invra_observatie", "maand3") and "obs" not in recorded:
                    act(job, pid, "record_observation", {"observed_on": day.isoformat(),
                                                         "scores": {c: 2 for c in invra.CODES}})
                    recorded.add("obs")
                act(job, pid, "record_evaluation", {
                    "milestone": item["key"], "held_on": day.isoformat(), "discussed": "Voortgang besproken",
                    "interview_candidate": "Gaat goed", "interview_harrie": "Werkt nauwkeurig",
                    "goal_reviews": [{"goal_id": goal, "status": "open"}]})
            recorded.add(item["key"])
        case = client.get(f"/api/v1/cases/{pid}", headers=job).get_json()
        if case["state"] == "afsluiting" and "eind" in recorded:
            break
        day += timedelta(days=1)
    closing = next(a for a in case["available_actions"] if a["name"] == "close_plan")
    assert closing["allowed"] and closing["irreversible"]
    done = act(job, pid, "close_plan", expected_version=case["version"])
    assert done["state"] == "afgerond"

    schedule = client.get(f"/api/v1/cases/{pid}/schedule", headers=job).get_json()["items"]
    assert len(schedule) >= 9 and {i["status"] for i in schedule} <= {"vastgelegd", "besloten"}
    trail = client.get(f"/api/v1/cases/{pid}/audit", headers=job).get_json()["items"]
    opened = [e["trigger"] for e in trail if e["trigger"].startswith("open_")]
    assert sorted(opened) == sorted(f"open_{i['key']}" for i in schedule)  # every milestone fell due once
    assert sum(e["trigger"] == "record_evaluation" for e in trail) == sum(i["kind"] == "evaluatie" for i in schedule)
    tasks = client.get("/api/v1/tasks?assignee=any&status=open", headers=job).get_json()["items"]
    assert not [t for t in tasks if t["case_id"] == pid]  # every task of the year closed with its action
