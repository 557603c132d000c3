"""The money on the pages: instruments and the monthly hours statement on the plan page (with
closing a period and its CSV), the settings page with sources, the dashboard's instruments and
the quota estimate on the company page. The demo's running plans are four months old."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from sqlalchemy import select

from engine.store.models import Organisation
from tests.web import test_plan_page as plan_page
from tests.web.test_plan_page import BOSS, JOB, act, acted, done
from workflows.storage.money_models import HoursPeriod, PlacementInstrument

ADMIN = "beheer@job.example"
# The plan page's fixtures: the demo with running plans, four months into their year.
demo_file, app, client, web = plan_page.demo_file, plan_page.app, plan_page.client, plan_page.web


def _num(text: str) -> Decimal:
    """'€ 1.234,50' or '12,5' as a number."""
    return Decimal(text.replace("€", "").replace(".", "").replace(",", ".").strip())


def _rows(html: str, month: str) -> str:
    return re.search(rf'<tr id="periode-{month}">(.*?)</tr>', html, re.S).group(1)


def test_an_instrument_is_kept_on_the_plan_page_and_a_wrong_one_is_shown_back_on_its_field(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    r = web.post(case_id, "instrument", {"kind": "loonkostensubsidie", "status": "toegekend",
                                         "decided_on": "2026-11-02", "amount_eur": "9600"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Vul &#39;Ingangsdatum&#39; in bij de status &#39;toegekend&#39;." in html
    assert 'value="9600"' in html and web.everything() == before
    done(web.post(case_id, "instrument", {"kind": "loonkostensubsidie", "status": "aan_te_vragen",
                                          "apply_by": "2026-11-20"}), case_id, "instrumenten")
    html = web.page(case_id)
    row = re.search(r'<tr class="instrument-aan_te_vragen late"><th scope="row">Loonkostensubsidie</th>(.*?)</tr>',
                    html, re.S)
    assert row and "Aan te vragen (te laat)" in row.group(1) and "vr 20 nov 2026" in row.group(1)

    web.login(BOSS)  # the employer applies for its own instruments
    done(web.post(case_id, "instrument", {"kind": "loonkostensubsidie", "status": "aangevraagd",
                                          "applied_on": "2026-11-19", "amount_eur": "9600,00"}), case_id, "instrumenten")
    with web.db.read() as s:
        row = s.scalars(select(PlacementInstrument)).one()
    assert (row.status, str(row.amount_eur)) == ("aangevraagd", "9600.00")


def test_a_closed_month_downloads_as_the_same_figures_and_refuses_hours(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    page = web.page(case_id)
    month = re.findall(r'<tr id="periode-(\d{4}-\d{2})">', page)[-2]  # the plan's second month
    acted(act(web, case_id, "close_period", {"month": month}), case_id)  # it cannot be undone: confirmed
    page = web.page(case_id)
    cells = re.findall(r"<td>(.*?)</td>", _rows(page, month))
    assert "afgesloten" in cells[-1]

    r = web.client.get(f"/plannen/{case_id}/uren/{month}.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    parsed = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    totals = {row[0]: row[1] for row in parsed if len(row) >= 2}
    assert _num(totals["Totaal uren"]) == _num(cells[0]) > 0
    assert _num(totals["Kosten (declarabel x uurtarief)"]) == _num(cells[3])  # to the cent
    assert _num(totals["Vergoed door UWV"]) == _num(cells[4])
    assert _num(totals["Voor de werkgever"]) == _num(cells[5])
    with web.db.read() as s:
        period = s.scalars(select(HoursPeriod)).one()
    assert str(period.hours).replace(".", ",") == totals["Totaal uren"]

    r = web.post(case_id, "uren", {"worked_on": f"{month}-15", "hours": "1", "activity": "werkvloer"})
    assert r.status_code == 422 and "is afgesloten: uren in die maand kunnen niet meer" in r.get_data(as_text=True)
    assert web.client.get(f"/plannen/{case_id}/uren/2026-13.csv").status_code == 404

    web.login("bert@debongerd.example")  # another employer's Harrie: the plan does not exist for him
    assert web.client.get(f"/plannen/{case_id}/uren/{month}.csv").status_code == 404


def test_the_settings_page_shows_each_figure_with_its_source_and_only_an_administrator_changes_one(web):
    web.login(JOB)
    html = web.client.get("/instellingen").get_data(as_text=True)
    assert "heffing van € 5.000 per niet-ingevulde arbeidsplaats" in html
    assert html.count("voorbeeld, door JoB te bevestigen") == 5
    token = web.token()
    assert web.client.post("/instellingen", data={"csrf_token": token, "key": "hourly_rate_eur", "value": "45",
                                                  "source": "Tarieven 2027", "valid_from": "2027-01-01"}
                           ).status_code == 403
    web.login(ADMIN)
    token = web.token()
    r = web.client.post("/instellingen", data={"csrf_token": token, "key": "hourly_rate_eur", "value": "45",
                                               "source": "", "valid_from": "2027-01-01"})
    assert r.status_code == 422 and "Noem de bron van dit getal" in r.get_data(as_text=True)
    r = web.client.post("/instellingen", data={"csrf_token": token, "key": "quota_share", "value": "0,0207",
                                               "source": "Besluit quotumheffing (bevestigd door JoB)",
                                               "valid_from": "2027-01-01", "reason": "Door JoB bevestigd"})
    assert r.status_code == 302
    html = web.client.get("/instellingen").get_data(as_text=True)
    assert "Besluit quotumheffing (bevestigd door JoB)" in html and "vr 1 jan 2027" in html
    assert html.count("voorbeeld, door JoB te bevestigen") == 4
    web.login(BOSS)
    assert web.client.get("/instellingen").status_code in (403, 404)


def test_the_dashboard_lists_instruments_due_and_refused_and_the_company_page_estimates_the_levy(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    done(web.post(case_id, "instrument", {"kind": "werkplekvoorzieningen", "status": "afgewezen",
                                          "applied_on": "2026-10-01", "decided_on": "2026-11-02"}),
         case_id, "instrumenten")
    done(web.post(case_id, "instrument", {"kind": "no_riskpolis", "status": "aan_te_vragen",
                                          "apply_by": "2026-11-27"}), case_id, "instrumenten")
    html = web.client.get("/dashboard").get_data(as_text=True)
    due = re.search(r'<table class="tasks instruments-due">(.*?)</table>', html, re.S).group(1)
    assert "No-riskpolis" in due and "vr 27 nov 2026" in due and "Werkplekvoorzieningen" not in due
    refused = re.search(r'<ul class="instruments-refused">(.*?)</ul>', html, re.S).group(1)
    assert "Werkplekvoorzieningen, besluit ma 2 nov 2026" in refused

    with web.db.read() as s:
        lca = s.scalar(select(Organisation.id).where(Organisation.name == "Logistiek Centrum Arnhem"))
        bakery = s.scalar(select(Organisation.id).where(Organisation.name == "Bakkerij De Korenaar"))
    html = web.client.get(f"/bedrijven/{lca}").get_data(as_text=True)
    assert "Banenafspraak: quotum (schatting)" in html and "€ 16.000,00" in html  # 160 x 2 % = 3,2 places
    html = web.client.get(f"/bedrijven/{bakery}").get_data(as_text=True)
    assert "€ 0,00" in html  # 48 x 2 % = 0,96 places; two placements count


def test_a_setting_keeps_its_history_a_later_value_waits_and_a_closed_period_refuses_an_earlier_one(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    month = re.findall(r'<tr id="periode-(\d{4}-\d{2})">', web.page(case_id))[-2]
    acted(act(web, case_id, "close_period", {"month": month}), case_id)
    web.login(ADMIN)
    token = web.token()
    form = {"csrf_token": token, "key": "hourly_rate_eur", "value": "45", "source": "Tarieven JoB 2030",
            "reason": "Jaarlijkse indexering"}
    r = web.client.post("/instellingen", data={**form, "valid_from": f"{month}-15"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "een afgesloten verantwoording verandert nooit" in html
    assert "Tarieven JoB 2030" in html and "Jaarlijkse indexering" in html  # the input is kept
    assert web.client.post("/instellingen", data={**form, "valid_from": "2030-01-01"}).status_code == 302
    html = web.client.get("/instellingen").get_data(as_text=True)
    history = html[html.index('id="h-hourly_rate_eur"'):]
    history = history[:history.index("</tr></tbody>")]
    assert "Tarieven JoB 2030" in history and "toekomst" in history and "Jaarlijkse indexering" in history
    rate_row = html[html.index('id="s-hourly_rate_eur"'):html.index('id="h-hourly_rate_eur"')]
    assert '<td class="num">40</td>' in rate_row  # today's rate is still 40
    assert "de eerste dag van de maand van de uren" in rate_row
