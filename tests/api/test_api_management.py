"""JoB's management view over the API (issue 20): per WSP region and in total exactly the figures
of the page `/management` and its CSV, each with the link of the list the page shows it with.

The world is the figure-links test's month (demo, timers run to 10 December, hours over the
maximum, a hire in another region, a stopped plan, instruments), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from engine.identity import tokens
from tests.web import test_figure_links as world
from tests.web.inbox_support import actor, sign_in
from workflows.domain import coaching
from workflows.usecases.management import Management

app = world.app  # the fixture
SANNE = world.SANNE
SIMPLE = {"started": "Gestart", "ended": "Voortijdig beëindigd", "working_12": "Na 12 maanden aan het werk",
          "to_apply": "Aan te vragen", "due_this_month": "Aanvragen uiterlijk deze maand",
          "applied": "Aangevraagd", "refused": "Afgewezen in de periode"}


def csv_table(client) -> dict[tuple[str, str], str]:
    r = client.get("/management/2026-K4.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    return {(row[1], row[2]): row[3] for row in rows[4:] if len(row) == 4}


def as_csv(body: dict) -> dict[tuple[str, str], str]:
    """The API's figures in the CSV's words (region, figure) -> number with a decimal comma."""
    phases = {p["key"]: p["label"] for p in body["phases"]}
    out: dict[tuple[str, str], str] = {}
    for r in [*body["regions"], body["total"]]:
        name = r["region"]
        out |= {(name, label): str(r[key]["value"]) for key, label in SIMPLE.items()}
        out |= {(name, f"Fase {phases[k]} bereikt"): str(f["value"]) for k, f in r["funnel"].items()}
        out |= {(name, f"Lopende plannen: {coaching.STATUS_LABELS[k]}"): str(f["value"])
                for k, f in r["hours_status"].items()}
        out[(name, "Geschreven uren")] = r["hours_used"].replace(".", ",")
        out[(name, "UWV-maximum jaar 1")] = r["hours_cap"].replace(".", ",")
    return out


def test_the_api_has_the_figures_of_the_use_case_the_page_and_its_csv_with_their_links(app):
    svc = app.extensions["jobtraject"]
    secret = tokens.create_token(svc.db, svc.clock, actor(app, SANNE).user_id, "test").secret
    client = app.test_client()
    r = client.get("/api/v1/management?periode=2026-K4", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["period"] == {"key": "2026-K4", "label": "4e kwartaal 2026", "start": "2026-10-01",
                              "end": "2027-01-01"}
    assert body["as_of"] == "2026-12-10"

    m = Management(svc).build(actor(app, SANNE), "2026-K4")
    assert [r["region"] for r in body["regions"]] == [r.region for r in m.regions]
    for got, want in zip([*body["regions"], body["total"]], [*m.regions, m.total], strict=True):
        assert {k: got[k]["value"] for k in SIMPLE} == {k: getattr(want, k) for k in SIMPLE}
        assert {k: f["value"] for k, f in got["funnel"].items()} == {k: want.funnel.get(k, 0) for k in m.phases}
        assert Decimal(got["hours_used"]) == want.hours_used and Decimal(got["hours_cap"]) == want.hours_cap

    sign_in(client, SANNE)
    table = csv_table(client)
    assert as_csv(body) == table
    nijmegen = next(r for r in body["regions"] if r["region"] == "WSP Rijk van Nijmegen")
    assert nijmegen["started"] == {"value": 2, "link": f"/plannen?gestart=2026-K4&regio={nijmegen['region_id']}"}
    assert nijmegen["hours_used"] == "144.00" and body["total"]["refused"]["value"] == 1

    page = world.figure_links(client.get("/management?periode=2026-K4").get_data(as_text=True))
    ours = {(f["link"], f["value"]) for r in [*body["regions"], body["total"]]
            for f in [*(r[k] for k in SIMPLE), *r["funnel"].values(), *r["hours_status"].values()]}
    assert set(page) <= ours  # every figure the page links, with the same number and list
    for link, value in sorted(ours - set(page)):  # the page's charts stand for a few: they open the same list
        assert len(world.lines_of(client, link)) == value, link
