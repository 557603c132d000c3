"""The candidate page follows a person's INVRA profiles over time: every observation in order,
the mean level per category with its change, as a table and a small step chart; JoB only."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.plan_steps import PlanSteps
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    LISA,
    SANNE,
    actor,
    services,
    sign_in,
)

DAAN, DAANS_PLAN = 1, 2  # demo: Daan Verhoeven and his plan at Bakkerij De Korenaar


def levels(work: int, motor: int | None, attitude: int) -> dict[str, int]:
    out = {f"{n:02d}": work for n in range(1, 13)}
    if motor is not None:
        out.update({f"{n:02d}": motor for n in range(13, 20)})
    out.update({f"{n:02d}": attitude for n in range(20, 39)})
    return out


def rows(html: str) -> list[list[str]]:
    table = html.split('<table class="list invra-history__table">')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_each_observation_is_shown_in_order_with_the_change_per_category(app, client):
    steps, sanne = PlanSteps(services(app)), actor(app, SANNE)
    today = services(app).clock.now().date()
    steps.record_observation(sanne, DAANS_PLAN, observed_on=today - timedelta(days=5), scores=levels(2, None, 3))
    steps.record_observation(sanne, DAANS_PLAN, observed_on=today - timedelta(days=30), scores=levels(1, 2, 3))
    sign_in(client, SANNE)
    html = client.get(f"/kandidaten/{DAAN}").get_data(as_text=True)
    assert "<h2 id=\"invra-title\">INVRA-profielen door de tijd</h2>" in html
    first, second = rows(html)
    assert first[1:] == ["1 (12 van 12)", "2 (7 van 7)", "3 (19 van 19)", "Sanne de Vries"]
    assert second[1:] == ["2 (12 van 12) +1 sinds de vorige observatie", "niet gescoord",
                          "3 (19 van 19) gelijk sinds de vorige observatie", "Sanne de Vries"]
    assert first[0] == "za 24 okt 2026 plan #2" and second[0] == "wo 18 nov 2026 plan #2"  # oldest first
    chart = html.split('<figure class="invra-history__chart">')[1].split("</figure>")[0]
    assert 'role="img"' in chart and "<title id=\"invra-verloop-titel\">INVRA-profielen van Daan Verhoeven" in chart
    assert chart.count('class="dot cat-prestaties"') == 2 and chart.count('class="dot cat-motorisch"') == 1
    assert "De omschrijvingen van de INVRA-competenties zijn niet geladen." in html  # licensed labels: numbers only


def test_without_observations_the_page_says_so_and_others_than_job_never_see_it(app, client):
    sign_in(client, SANNE)
    html = client.get(f"/kandidaten/{DAAN}").get_data(as_text=True)
    assert "Nog geen INVRA-observaties." in html and "invra-verloop" not in html
    sign_in(client, LISA)
    assert client.get(f"/kandidaten/{DAAN}").status_code == 404
