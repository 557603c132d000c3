"""Beheer in the web UI: organisations, invitations, accounts and the history, and who may do it.

Administrators do everything; a JoB coordinator manages WSP regions and employers only; every
other role gets a 404 on every admin page and changes nothing. Each change leaves a history
row with who, when and why; a refused form keeps the input and writes nothing.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from engine.identity import tokens
from engine.store.models import OutboxMessage
from tests.security.routes import snapshot
from tests.sessions import sign_in
from tests.smtp import send_queued_mail
from tests.web.admin_support import ADMIN, COORDINATOR, csrf, history, org_id, post, user_row

NIJMEGEN = "WSP Rijk van Nijmegen"


def test_an_admin_creates_a_wsp_region_and_an_employer_and_the_history_says_who_and_why(client, app):
    sign_in(client, ADMIN)
    r = post(client, "/beheer/organisaties/nieuw", {"name": "WSP Achterhoek", "kind": "wsp", "reason": "Nieuwe regio"})
    assert r.status_code == 302
    region = org_id(app, "WSP Achterhoek")
    r = post(client, "/beheer/organisaties/nieuw", {"name": "Drukkerij Lettertje", "kind": "employer",
                                                    "wsp_organisation_id": str(region), "employees": "40",
                                                    "reason": "Contract getekend"})
    assert r.status_code == 302
    page = client.get("/beheer/organisaties").get_data(as_text=True)
    assert "Drukkerij Lettertje" in page and "WSP Achterhoek" in page
    rows = history(app)[-2:]
    assert [h.action for h in rows] == ["organisation_created", "organisation_created"]
    assert rows[1].changes["wsp_regio"] == [None, "WSP Achterhoek"] and rows[1].changes["medewerkers"] == [None, 40]
    assert {h.actor_label for h in rows} == {"Beheerder JoB"} and rows[1].reason == "Contract getekend"
    shown = client.get("/beheer/geschiedenis").get_data(as_text=True)
    assert "Contract getekend" in shown and "Organisatie aangemaakt" in shown and "Beheerder JoB" in shown


def test_a_refused_organisation_form_keeps_the_input_shows_the_messages_and_writes_nothing(client, app):
    sign_in(client, ADMIN)
    before = snapshot(app.extensions["jobtraject"].db)
    r = post(client, "/beheer/organisaties/nieuw", {"name": NIJMEGEN.upper(), "kind": "employer",
                                                    "employees": "veel", "reason": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    summary = html.split('id="foutmeldingen"')[1].split("</div>")[0]
    assert "Er bestaat al een organisatie met deze naam." in summary and "Dit veld is verplicht." in summary
    assert 'id="employees-error">Vul een geldig nummer in.' in html
    assert f'value="{NIJMEGEN.upper()}"' in html and 'value="veel"' in html
    assert snapshot(app.extensions["jobtraject"].db) == before


def test_an_admin_moves_an_employer_to_another_region_with_its_number_of_employees(client, app):
    sign_in(client, ADMIN)
    bakery = org_id(app, "Bakkerij De Korenaar")
    gelderland = org_id(app, "WSP Midden-Gelderland")
    r = post(client, f"/beheer/organisaties/{bakery}", {"name": "Bakkerij De Korenaar", "wsp_organisation_id":
                                                        str(gelderland), "employees": "31", "reason": "Verhuisd"})
    assert r.status_code == 302
    last = history(app)[-1]
    assert last.action == "organisation_changed" and last.subject_id == bakery
    assert last.changes["wsp_regio"][1] == "WSP Midden-Gelderland" and last.changes["medewerkers"][1] == 31
    assert "WSP Midden-Gelderland" in client.get(f"/bedrijven/{bakery}").get_data(as_text=True)


def test_a_coordinator_manages_regions_and_employers_but_not_job_accounts_or_the_history(client, app):
    sign_in(client, COORDINATOR)
    assert client.get("/beheer/organisaties").status_code == 200
    r = post(client, "/beheer/organisaties/nieuw", {"name": "WSP Rivierenland", "kind": "wsp", "reason": "Nieuw"})
    assert r.status_code == 302
    before = snapshot(app.extensions["jobtraject"].db)
    r = post(client, "/beheer/organisaties/nieuw", {"name": "Tweede JoB", "kind": "job", "reason": "Nee"})
    assert r.status_code == 422 and "U mag deze soort organisatie niet aanmaken." in r.get_data(as_text=True)
    assert client.get(f"/beheer/organisaties/{org_id(app, 'JoB Jobcoaching')}").status_code == 404
    for path in ("/beheer/gebruikers", "/beheer/gebruikers/uitnodigen", "/beheer/geschiedenis"):
        assert client.get(path).status_code == 404, path
    assert snapshot(app.extensions["jobtraject"].db) == before


@pytest.mark.parametrize("email", ["ahmed@job.example", "lisa@wsp-nijmegen.example", "marieke@korenaar.example",
                                   "harrie@korenaar.example", COORDINATOR])
def test_other_roles_get_404_on_every_admin_route_and_nothing_changes(client, app, email):
    db = app.extensions["jobtraject"].db
    target = user_row(app, "ahmed@job.example").id
    job = org_id(app, "JoB Jobcoaching")
    sign_in(client, email)
    token = csrf(client, "/account/wachtwoord")
    before = snapshot(db)
    coordinator = email == COORDINATOR
    tried = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/beheer"):
            continue
        if coordinator and rule.endpoint in ("admin.index", "admin.organisations", "admin.new_organisation"):
            continue  # the coordinator's own pages (the JoB organisation itself stays closed, below)
        args = {"organisation_id": job, "user_id": target, "what": "deactiveren"}
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: v for k, v in args.items() if k in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {**token, "csrf_token": next(iter(token.values())), "reason": "x", "name": "Overgenomen",
                    "role": "admin", "organisation_id": str(job), "email": "indringer@example.nl", "kind": "job"}
            r = client.open(url, method=method, data=data if method == "POST" else None)
            assert r.status_code in (403, 404), f"{method} {url}: {r.status_code}"
            tried += 1
    assert tried >= (6 if coordinator else 10)
    assert snapshot(db) == before
    assert user_row(app, "ahmed@job.example").active


def test_an_invitation_mail_arrives_and_its_link_sets_the_password_once(client, app, smtp_server):
    sign_in(client, ADMIN)
    bakery = org_id(app, "Bakkerij De Korenaar")
    r = post(client, "/beheer/gebruikers/uitnodigen", {"email": "Nieuw@Korenaar.example", "name": "Nina Nieuw",
                                                       "role": "harrie", "organisation_id": str(bakery),
                                                       "reason": "Nieuwe Harrie"})
    assert r.status_code == 302
    user = user_row(app, "nieuw@korenaar.example")
    assert user.password_hash is None and user.role == "harrie" and user.active
    assert history(app)[-1].action == "user_invited" and history(app)[-1].reason == "Nieuwe Harrie"
    with app.extensions["jobtraject"].db.read() as s:
        queued = s.query(OutboxMessage).filter(OutboxMessage.to_user_id == user.id).one()
        assert "/uitnodiging/" not in queued.body_text and queued.sealed_secret is not None
    assert send_queued_mail(app, smtp_server) >= 1
    (mail,) = smtp_server.to("nieuw@korenaar.example")
    link = re.search(r"http\S+/uitnodiging/(\S+)", mail.text)
    assert mail.message["Subject"] == "Uitnodiging voor jobtraject" and link
    path = "/uitnodiging/" + link.group(1)
    fresh = app.test_client()
    r = post(fresh, path, {"new": "kort", "repeat": "kort"})
    assert r.status_code == 400 and user_row(app, "nieuw@korenaar.example").password_hash is None
    r = post(fresh, path, {"new": "Lentebloesem-aan-de-Waal-7", "repeat": "Lentebloesem-aan-de-Waal-7"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert fresh.get(path).status_code == 404  # once
    login = post(fresh, "/login", {"email": "nieuw@korenaar.example", "password": "Lentebloesem-aan-de-Waal-7"},
                 form_page="/login")
    assert login.status_code == 302 and not login.headers["Location"].endswith("/login")
    assert fresh.get("/").status_code == 200


def test_a_refused_invitation_keeps_the_input_and_invites_nobody(client, app):
    sign_in(client, ADMIN)
    before = snapshot(app.extensions["jobtraject"].db)
    r = post(client, "/beheer/gebruikers/uitnodigen", {"email": "lisa@wsp-nijmegen.example", "name": "Dubbel",
                                                       "role": "opdrachtgever",
                                                       "organisation_id": str(org_id(app, "JoB Jobcoaching")),
                                                       "is_coordinator": "y", "reason": "test"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Er bestaat al een gebruiker met dit e-mailadres." in html
    assert "Deze rol past niet bij JoB Jobcoaching" in html
    assert "Alleen een JoB-medewerker kan coördinator zijn." in html
    assert 'value="Dubbel"' in html
    assert snapshot(app.extensions["jobtraject"].db) == before


def test_deactivating_an_account_ends_its_sessions_and_api_tokens_at_once(client, app):
    svc = app.extensions["jobtraject"]
    other = app.test_client()
    marieke = sign_in(other, "marieke@korenaar.example")
    secret = tokens.create_token(svc.db, svc.clock, marieke, "koppeling").secret
    assert other.get("/").status_code == 200
    assert app.test_client().get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    sign_in(client, ADMIN)
    r = post(client, f"/beheer/gebruikers/{marieke}/deactiveren", {"account-reason": "Uit dienst"},
             form_page=f"/beheer/gebruikers/{marieke}")
    assert r.status_code == 302
    assert other.get("/").status_code == 302
    assert app.test_client().get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert history(app)[-1].action == "user_deactivated" and history(app)[-1].reason == "Uit dienst"
    r = post(client, f"/beheer/gebruikers/{marieke}/activeren", {"account-reason": "Terug"},
             form_page=f"/beheer/gebruikers/{marieke}")
    assert r.status_code == 302 and user_row(app, "marieke@korenaar.example").active


def test_an_account_action_without_a_reason_is_refused_next_to_the_field(client, app):
    sign_in(client, ADMIN)
    lisa = user_row(app, "lisa@wsp-nijmegen.example").id
    before = snapshot(app.extensions["jobtraject"].db)
    r = post(client, f"/beheer/gebruikers/{lisa}/deactiveren", {"account-reason": "  "},
             form_page=f"/beheer/gebruikers/{lisa}")
    assert r.status_code == 422
    assert 'id="account-reason-error">Dit veld is verplicht.' in r.get_data(as_text=True)
    assert snapshot(app.extensions["jobtraject"].db) == before


def test_resetting_the_second_step_makes_the_user_enrol_again(client, app):
    from tests.totp import prepare

    prepare(app.extensions["jobtraject"], "lisa@wsp-nijmegen.example")
    lisa = user_row(app, "lisa@wsp-nijmegen.example")
    assert lisa.totp_enabled_at is not None
    sign_in(client, ADMIN)
    r = post(client, f"/beheer/gebruikers/{lisa.id}/tweede-stap-resetten", {"account-reason": "Telefoon kwijt"},
             form_page=f"/beheer/gebruikers/{lisa.id}")
    assert r.status_code == 302
    after = user_row(app, "lisa@wsp-nijmegen.example")
    assert after.totp_enabled_at is None and after.totp_secret is None
    assert history(app)[-1].action == "second_step_reset"


def test_an_admin_changes_a_role_but_not_their_own_and_cannot_deactivate_themselves(client, app):
    me = sign_in(client, ADMIN)
    ahmed = user_row(app, "ahmed@job.example").id
    job = str(org_id(app, "JoB Jobcoaching"))
    r = post(client, f"/beheer/gebruikers/{ahmed}", {"name": "Ahmed Yilmaz", "role": "job", "organisation_id": job,
                                                     "is_coordinator": "y", "reason": "Teamleider"})
    assert r.status_code == 302 and user_row(app, "ahmed@job.example").is_coordinator
    assert history(app)[-1].changes == {"coordinator": [False, True]}
    before = snapshot(app.extensions["jobtraject"].db)
    r = post(client, f"/beheer/gebruikers/{me}", {"name": "Beheerder JoB", "role": "job", "organisation_id": job,
                                                  "reason": "oeps"})
    assert r.status_code == 422 and "U kunt uw eigen rol niet wijzigen" in r.get_data(as_text=True)
    r = post(client, f"/beheer/gebruikers/{me}/deactiveren", {"account-reason": "oeps"},
             form_page=f"/beheer/gebruikers/{me}")
    assert r.status_code == 422 and "U kunt uw eigen account niet deactiveren." in r.get_data(as_text=True)
    assert snapshot(app.extensions["jobtraject"].db) == before


def test_an_unknown_or_used_invitation_link_opens_nothing(client):
    assert client.get("/uitnodiging/bestaat-niet").status_code == 404
    r = client.post("/uitnodiging/bestaat-niet", data={"new": "x", "repeat": "x"})
    assert r.status_code in (400, 404)
