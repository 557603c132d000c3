"""The plan's SVG pictures: geometry from plain data, escaped, deterministic, CSP-safe."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from webui import svg_charts as charts
from workflows.domain import invra
from workflows.domain.rules import add_months

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 7, 13)
END = add_months(START, 12)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def polygon_points(root: ET.Element, cls: str) -> list[tuple[float, float]]:
    poly = next(p for p in root.iter(f"{SVG}polygon") if cls in p.get("class", "").split())
    return [tuple(map(float, pair.split(","))) for pair in poly.get("points").split()]


def distance_from_centre(point: tuple[float, float]) -> float:
    return math.dist(point, charts.RADAR_CENTER)


# -- radar ---------------------------------------------------------------------------------------


def test_the_radar_has_one_spoke_and_one_number_per_competence():
    root = parse(charts.invra_radar({c: 2 for c in invra.CODES}))
    spokes = [e for e in root.iter(f"{SVG}line") if e.get("class") == "spoke"]
    numbers = [e for e in root.iter(f"{SVG}text") if e.get("class") == "spoke-label"]
    assert len(spokes) == 38 and [t.text for t in numbers] == list(invra.CODES)


def test_a_level_three_score_lies_on_the_outer_ring_and_level_one_on_the_inner():
    for i in range(38):
        assert distance_from_centre(charts.radar_point(i, 3)) == pytest.approx(charts.RADAR_RADIUS)
        assert distance_from_centre(charts.radar_point(i, 1)) == pytest.approx(charts.RADAR_RADIUS / 3)
    x, y = charts.radar_point(0, 3)  # competence 01 points straight up
    assert x == pytest.approx(charts.RADAR_CENTER[0]) and y < charts.RADAR_CENTER[1]


def test_the_workplace_and_the_person_are_two_polygons_with_a_vertex_per_competence():
    workplace = {c: 2 for c in invra.CODES}
    person = {c: 3 for c in invra.CODES} | {"05": 1}
    root = parse(charts.invra_radar(workplace, person))
    required, measured = polygon_points(root, "workplace"), polygon_points(root, "person")
    assert len(required) == len(measured) == 38
    assert all(distance_from_centre(p) == pytest.approx(charts.RADAR_RADIUS * 2 / 3, abs=0.01) for p in required)
    assert distance_from_centre(measured[0]) == pytest.approx(charts.RADAR_RADIUS, abs=0.01)
    assert distance_from_centre(measured[4]) == pytest.approx(charts.RADAR_RADIUS / 3, abs=0.01)
    below = [c for c in root.iter(f"{SVG}circle") if "below" in c.get("class", "")]
    assert len(below) == 1 and "05: gemeten 1, vereist 2" in below[0].find(f"{SVG}title").text


def test_an_earlier_observation_is_a_dashed_outline_for_growth():
    root = parse(charts.invra_radar({"01": 2}, {"01": 3}, {"01": 1}))
    earlier = next(p for p in root.iter(f"{SVG}polygon") if "earlier" in p.get("class", ""))
    assert earlier.get("stroke-dasharray") and earlier.get("fill") == "none"


def test_unscored_competences_sit_at_the_centre():
    points = charts.radar_polygon({"01": 3})
    assert all(p == pytest.approx(charts.RADAR_CENTER) for p in points[1:])


def test_the_three_categories_are_coloured_sectors_with_their_names():
    root = parse(charts.invra_radar({}))
    sectors = [p.get("class") for p in root.iter(f"{SVG}path") if "sector" in p.get("class", "")]
    assert sectors == ["sector cat-prestaties", "sector cat-motorisch", "sector cat-houding"]
    names = [t.text for t in root.iter(f"{SVG}text") if "cat-label" in t.get("class", "")]
    assert names == ["Arbeidsprestaties ", "Motorische competenties ", "Arbeidshouding "]


def test_loaded_labels_are_escaped_tooltips_and_the_numbers_stay():
    markup = str(charts.invra_radar({}, labels={"07": "Werkt <netjes> & nauwkeurig"}))
    assert "Werkt &lt;netjes&gt; &amp; nauwkeurig" in markup and "<netjes>" not in markup
    parse(markup)


def test_the_radar_frame_built_once_follows_the_labels_it_is_given():
    labelled = str(charts.invra_radar({"01": 2}, labels={"07": "Nauwkeurig"}))
    plain = str(charts.invra_radar({"01": 2}))
    assert "07: Nauwkeurig" in labelled and "Nauwkeurig" not in plain
    assert str(charts.invra_radar({"01": 2}, labels={"07": "Nauwkeurig"})) == labelled
    assert str(charts.invra_radar({"01": 2}, labels={"07": "Zorgvuldig"})) != labelled


def test_pictures_are_accessible_and_carry_no_inline_style():
    pictures = [charts.invra_radar({"01": 2}, {"01": 1}), timeline(date(2026, 11, 23)),
                charts.hours_gauge(Decimal("10"), Decimal("100"), status="ok", caption="Jaar 1", id_="g")]
    for markup in pictures:
        root = parse(markup)
        assert root.get("role") == "img" and root.get("aria-label") and root.get("viewBox")
        assert root.get("width") == "100%"
        assert root.find(f"{SVG}title").text
        assert "style=" not in str(markup) and "<style" not in str(markup) and "<script" not in str(markup)


def test_the_same_data_draws_the_same_bytes():
    assert charts.invra_radar({"01": 2}, {"01": 3}) == charts.invra_radar({"01": 2}, {"01": 3})
    assert timeline(date(2026, 11, 23)) == timeline(date(2026, 11, 23))


def test_table_rows_give_required_measured_difference_and_growth():
    rows = charts.radar_rows({"01": 2, "02": 3}, {"01": 3, "02": 2}, {"01": 1}, invra.labels())
    assert len(rows) == 38
    assert (rows[0].required, rows[0].measured, rows[0].difference, rows[0].growth) == (2, 3, 1, 2)
    assert (rows[1].difference, rows[1].growth, rows[2].difference) == (-1, None, None)
    assert rows[12].category == "Motorische competenties"


# -- timeline ------------------------------------------------------------------------------------


def timeline(today: date | None) -> str:
    bands = [charts.Band("Inwerken", START, START + timedelta(days=14)),
             charts.Band("Afbouw", START + timedelta(days=14), add_months(START, 1), current=True),
             charts.Band("Proefplaatsing", START, add_months(START, 2), row=1)]
    markers = [charts.Marker(1, "Evaluatie week 4", START + timedelta(days=27), "vastgelegd", "Vastgelegd"),
               charts.Marker(2, "INVRA & observatie", add_months(START, 2), "te_laat", "Te laat"),
               charts.Marker(3, "Eindevaluatie", END - timedelta(days=1), "gepland", "Gepland")]
    return str(charts.plan_timeline(START, END, bands, markers, today))


def today_x(markup: str) -> float:
    line = next(e for e in parse(markup).iter(f"{SVG}line") if e.get("class") == "today-line")
    return float(line.get("x1"))


def test_the_axis_shows_months_one_to_twelve():
    numbers = [t.text for t in parse(timeline(None)).iter(f"{SVG}text") if t.get("class") == "month-number"]
    assert numbers == [str(k) for k in range(1, 13)]


@pytest.mark.parametrize("months_in", range(12))
def test_today_is_marked_inside_its_plan_month(months_in):
    month_start, next_month = add_months(START, months_in), add_months(START, months_in + 1)
    today = month_start + timedelta(days=9)
    x = today_x(timeline(today))
    assert charts.date_x(month_start, START, END) < x < charts.date_x(next_month, START, END)


def test_today_outside_the_plan_year_is_not_drawn():
    assert "today-line" not in timeline(START - timedelta(days=3))
    assert "today-line" not in timeline(END + timedelta(days=3))


def test_milestones_are_numbered_markers_shaped_by_status():
    root = parse(timeline(date(2026, 11, 23)))
    groups = [g for g in root.iter(f"{SVG}g") if "milestone" in g.get("class", "")]
    assert [g.get("class") for g in groups] == ["milestone done", "milestone late", "milestone planned"]
    assert [g.find(f"{SVG}title").text for g in groups][1] == "2. INVRA & observatie: Te laat"
    late_marker = next(e for e in groups[1] if "marker" in e.get("class", ""))
    assert late_marker.tag == f"{SVG}polygon"  # a warning triangle, not only a colour


def test_the_current_phase_is_highlighted():
    root = parse(timeline(None))
    phases = [r.get("class") for r in root.iter(f"{SVG}rect") if "phase" in r.get("class", "")]
    assert phases == ["phase", "phase current alt"]


# -- gauge ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("used, cap, expected", [
    (0, 100, 0.0), (25, 100, 0.25), (100, 100, 1.0), (130, 100, 1.0), (5, 0, 1.0), (0, 0, 0.0),
])
def test_the_gauge_fraction_clamps_at_full(used, cap, expected):
    assert charts.gauge_fraction(Decimal(used), Decimal(cap)) == expected


def test_a_gauge_over_the_cap_is_full_and_says_the_real_percentage():
    markup = str(charts.hours_gauge(Decimal("130"), Decimal("100"), status="overschreden", caption="Jaar 1",
                                    id_="g"))
    fill = next(p for p in parse(markup).iter(f"{SVG}path") if "fill" in p.get("class", "").split())
    end = fill.get("d").split()[-2:]
    assert tuple(map(float, end)) == pytest.approx(charts.gauge_point(1.0))
    assert "130%" in markup and "130 van 100 uur" in markup and "overschreden" in fill.get("class")


def test_a_gauge_at_a_quarter_ends_a_quarter_along_the_half_circle():
    x, y = charts.gauge_point(0.25)
    cx, cy = charts.GAUGE_CENTER
    assert math.degrees(math.atan2(cy - y, x - cx)) == pytest.approx(135)
    markup = str(charts.hours_gauge(Decimal("24.5"), Decimal("98"), status="ok", caption="Jaar 1", id_="g"))
    assert "24,5 van 98 uur" in markup and 'aria-label="Jaar 1: 24,5 van 98 uur gebruikt (25%)"' in markup


def test_a_pause_is_a_band_above_the_phases_with_its_own_class():
    bands = [charts.Band("Gepauzeerd sinds 10 nov 2026", date(2026, 11, 10), date(2026, 11, 23), row=1, kind="pause")]
    root = parse(charts.plan_timeline(START, END, bands, [], date(2026, 11, 23)))
    pause = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "pause")
    assert float(pause.get("x")) == pytest.approx(charts.date_x(date(2026, 11, 10), START, END), abs=0.01)
