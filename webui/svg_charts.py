"""Inline SVG pictures of a candidate plan: the INVRA radar, the year timeline, an hours gauge.

Pure functions from plain data (dicts, dates, numbers) to escaped markup, so they are
unit-tested without Flask and render the same bytes for the same input. The pictures obey
the strict Content-Security-Policy: no `style` attributes, only presentation attributes
and CSS classes (see `static/plan.css`); every picture scales with its `viewBox` and
carries a `<title>`, `role="img"` and an `aria-label`. The page next to each picture gives
the same facts as text (a table or a list), so nobody depends on the picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from markupsafe import Markup, escape

from workflows.domain import invra
from workflows.domain.rules import add_months

MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _n(value: float) -> str:
    """A coordinate with two decimals and no trailing zeros: deterministic, compact output."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(**attrs: object) -> str:
    """`key="value"` pairs, escaped; `class_` becomes `class`, `_` in names becomes `-`."""
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = "class" if key == "class_" else key.rstrip("_").replace("_", "-")
        parts.append(f'{name}="{escape(str(value))}"')
    return " ".join(parts)


def _svg(view_w: int, view_h: int, label: str, body: Iterable[str], *, class_: str, id_: str) -> Markup:
    title_id = f"{id_}-titel"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {view_w} {view_h}", width="100%", role="img", aria_label=label, aria_labelledby=title_id, class_=class_, id=id_, preserveAspectRatio="xMidYMid meet", focusable="false")}>'
            f'<title id="{escape(title_id)}">{escape(label)}</title>')
    return Markup(head + "".join(body) + "</svg>")


# -- INVRA radar -------------------------------------------------------------------------------

RADAR_SIZE = 720
RADAR_CENTER = (RADAR_SIZE / 2, RADAR_SIZE / 2)
RADAR_RADIUS = 240.0  # level 3
SPOKES = len(invra.CODES)


def spoke_angle(index: int, count: int = SPOKES) -> float:
    """Radians of spoke `index` (0-based): competence 01 straight up, then clockwise."""
    return -math.pi / 2 + 2 * math.pi * index / count


def radar_point(index: int, level: float, *, count: int = SPOKES, radius: float = RADAR_RADIUS,
                center: tuple[float, float] = RADAR_CENTER) -> tuple[float, float]:
    """Where level 0-3 of spoke `index` lies; level 3 is on the outer ring."""
    r = radius * max(0.0, min(float(level), 3.0)) / 3
    a = spoke_angle(index, count)
    return center[0] + r * math.cos(a), center[1] + r * math.sin(a)


def radar_polygon(profile: Mapping[str, int]) -> list[tuple[float, float]]:
    """One vertex per competence; a competence without a level sits at the centre."""
    return [radar_point(i, profile.get(code) or 0) for i, code in enumerate(invra.CODES)]


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _arc_path(radius: float, a0: float, a1: float, center: tuple[float, float] = RADAR_CENTER) -> str:
    cx, cy = center
    x0, y0 = cx + radius * math.cos(a0), cy + radius * math.sin(a0)
    x1, y1 = cx + radius * math.cos(a1), cy + radius * math.sin(a1)
    large = 1 if (a1 - a0) > math.pi else 0
    return f"M {_n(x0)} {_n(y0)} A {_n(radius)} {_n(radius)} 0 {large} 1 {_n(x1)} {_n(y1)}"


def _wedge_path(radius: float, a0: float, a1: float, center: tuple[float, float] = RADAR_CENTER) -> str:
    cx, cy = center
    return f"M {_n(cx)} {_n(cy)} L " + _arc_path(radius, a0, a1, center)[2:] + " Z"


# Category names sit in the corners nearest their arc, horizontally, inside the picture.
CATEGORY_LABEL_AT = {"arbeidsprestaties": (RADAR_SIZE - 6, 26, "end"),
                     "motorisch": (RADAR_SIZE - 6, RADAR_SIZE - 12, "end"),
                     "arbeidshouding": (6, 26, "start")}
CATEGORY_CLASS = {"arbeidsprestaties": "cat-prestaties", "motorisch": "cat-motorisch",
                  "arbeidshouding": "cat-houding"}


def invra_radar(
    workplace: Mapping[str, int],
    person: Mapping[str, int] | None = None,
    earlier: Mapping[str, int] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    person_label: str = "Persoonsprofiel",
    earlier_label: str = "Eerdere observatie",
    title: str = "INVRA-radar: werkplekprofiel en persoonsprofiel",
    id_: str = "invra-radar",
) -> Markup:
    """The 38 competences as spokes, 3 levels as rings, categories as coloured arcs.

    The werkplekprofiel is a filled grey polygon, the person's latest profile a purple
    polygon over it, an earlier observation a dashed outline (growth). `labels` gives the
    organisation's own competence labels (shown as tooltips); the spokes show numbers.
    """
    out = [_radar_frame(tuple(sorted((labels or {}).items())))]
    # profiles
    if workplace:
        out.append(f'<polygon {_attrs(points=_points(radar_polygon(workplace)), class_="profile workplace")}>'
                   f'<title>Werkplekprofiel (vereist)</title></polygon>')
    if earlier:
        out.append(f'<polygon {_attrs(points=_points(radar_polygon(earlier)), class_="profile earlier", fill="none", stroke_dasharray="6 4")}>'
                   f'<title>{escape(earlier_label)}</title></polygon>')
    if person:
        out.append(f'<polygon {_attrs(points=_points(radar_polygon(person)), class_="profile person")}>'
                   f'<title>{escape(person_label)}</title></polygon>')
    if workplace and person:  # the requirement's outline stays visible over the person
        out.append(f'<polygon {_attrs(points=_points(radar_polygon(workplace)), class_="profile workplace-line", fill="none", aria_hidden="true")}/>')
    if person:
        for i, code in enumerate(invra.CODES):
            level = person.get(code)
            if level:
                x, y = radar_point(i, level)
                need = workplace.get(code)
                cls = "dot person" + (" below" if need and level < need else "")
                out.append(f'<circle {_attrs(cx=_n(x), cy=_n(y), r=4, class_=cls)}>'
                           f'<title>{escape(code)}: gemeten {level}'
                           f'{f", vereist {need}" if need else ""}</title></circle>')
    return _svg(RADAR_SIZE, RADAR_SIZE, title, out, class_="chart radar", id_=id_)


@lru_cache(maxsize=16)
def _radar_frame(labels: tuple[tuple[str, str], ...]) -> str:
    """The radar's fixed part (sectors, arcs, rings, spokes and their labels): the same for every
    plan with the same loaded labels, so built once per process and label set."""
    cx, cy = RADAR_CENTER
    r = RADAR_RADIUS
    half = math.pi / SPOKES
    out: list[str] = []
    codes = list(invra.CODES)
    for cat in invra.CATEGORIES:
        first, last = codes.index(f"{cat.first:02d}"), codes.index(f"{cat.last:02d}")
        a0, a1 = spoke_angle(first) - half, spoke_angle(last) + half
        cls = CATEGORY_CLASS[cat.key]
        out.append(f'<path {_attrs(d=_wedge_path(r, a0, a1), class_=f"sector {cls}")}/>')
        out.append(f'<path {_attrs(d=_arc_path(r + 34, a0 + 0.01, a1 - 0.01), class_=f"cat-arc {cls}", fill="none", stroke_width=8)}/>')
        x, y, anchor = CATEGORY_LABEL_AT[cat.key]
        out.append(f'<text {_attrs(x=x, y=y, text_anchor=anchor, class_=f"cat-label {cls}")}>'
                   f'{escape(cat.label)} <tspan class="cat-range">{cat.first:02d}–{cat.last:02d}</tspan></text>')
    # rings (levels 1-3) and spokes
    for level in invra.LEVELS:
        out.append(f'<circle {_attrs(cx=_n(cx), cy=_n(cy), r=_n(r * level / 3), class_="ring", fill="none")}/>')
        lx, ly = radar_point(0, level)
        out.append(f'<text {_attrs(x=_n(lx + 4), y=_n(ly + 12), class_="ring-label")}>{level}</text>')
    loaded = dict(labels)
    for i, code in enumerate(invra.CODES):
        x, y = radar_point(i, 3)
        out.append(f'<line {_attrs(x1=_n(cx), y1=_n(cy), x2=_n(x), y2=_n(y), class_="spoke")}/>')
        tx, ty = radar_point(i, 3, radius=r + 16)
        label = loaded.get(code)
        tip = f"<title>{escape(code)}: {escape(label)}</title>" if label else ""
        out.append(f'<text {_attrs(x=_n(tx), y=_n(ty), text_anchor="middle", dominant_baseline="central", class_="spoke-label")}>{tip}{escape(code)}</text>')
    return "".join(out)


@dataclass(frozen=True)
class RadarRow:
    """One line of the radar's table alternative."""

    code: str
    label: str
    category: str
    required: int | None
    measured: int | None
    earlier: int | None

    @property
    def difference(self) -> int | None:
        if self.required is None or self.measured is None:
            return None
        return self.measured - self.required

    @property
    def growth(self) -> int | None:
        if self.earlier is None or self.measured is None:
            return None
        return self.measured - self.earlier


def radar_rows(workplace: Mapping[str, int], person: Mapping[str, int] | None,
               earlier: Mapping[str, int] | None, labels: Mapping[str, str]) -> list[RadarRow]:
    person, earlier = person or {}, earlier or {}
    return [RadarRow(c.code, labels.get(c.code, c.placeholder_label), invra.category_of(c.code).label,
                     workplace.get(c.code), person.get(c.code), earlier.get(c.code)) for c in invra.COMPETENCES]


# -- the plan year as a timeline ------------------------------------------------------------------

TL_WIDTH, TL_LEFT, TL_RIGHT = 960, 30.0, 930.0
TL_HEIGHT = 236


@dataclass(frozen=True)
class Band:
    """A stretch of the year: a phase (`row` 0) or, above it, the proefplaatsing or a pause (`row` 1)."""

    label: str
    start: date
    end: date  # exclusive
    current: bool = False
    row: int = 0
    kind: str = "proef"  # CSS class of a row-1 band: "proef" or "pause"


@dataclass(frozen=True)
class Marker:
    """A milestone on its due date; `status` is one of the plan's milestone statuses."""

    number: int
    label: str
    due_on: date
    status: str
    status_label: str


def date_x(day: date, start: date, end: date) -> float:
    """Horizontal position of a day on the axis from `start` to `end` (clamped to the axis)."""
    span = max((end - start).days, 1)
    share = min(max((day - start).days / span, 0.0), 1.0)
    return TL_LEFT + share * (TL_RIGHT - TL_LEFT)


def month_starts(start: date, end: date) -> list[date]:
    """The first day of plan months 1..12 (and later ones while before `end`), plus `end`."""
    out, k = [], 0
    while add_months(start, k) < end:
        out.append(add_months(start, k))
        k += 1
    return [*out, end]


MARKER_SHAPES = {
    "vastgelegd": "done", "besloten": "done", "overgeslagen": "skipped",
    "open": "due", "te_laat": "late", "gepland": "planned",
}


def _marker_shape(x: float, y: float, status: str) -> str:
    kind = MARKER_SHAPES.get(status, "planned")
    cls = f"marker {kind}"
    if kind == "due":  # diamond
        pts = [(x, y - 9), (x + 9, y), (x, y + 9), (x - 9, y)]
        return f'<polygon {_attrs(points=_points(pts), class_=cls)}/>'
    if kind == "late":  # triangle pointing up, like a warning sign
        pts = [(x, y - 10), (x + 10, y + 8), (x - 10, y + 8)]
        return f'<polygon {_attrs(points=_points(pts), class_=cls)}/>'
    if kind == "done":
        return (f'<circle {_attrs(cx=_n(x), cy=_n(y), r=8, class_=cls)}/>'
                f'<path {_attrs(d=f"M {_n(x - 4)} {_n(y)} l 3 3 l 5 -6", class_="tick", fill="none")}/>')
    return f'<circle {_attrs(cx=_n(x), cy=_n(y), r=7, class_=cls)}/>'


def plan_timeline(
    start: date,
    end: date,
    bands: Sequence[Band],
    markers: Sequence[Marker],
    today: date | None,
    *,
    title: str = "Tijdlijn van het planjaar",
    id_: str = "plan-tijdlijn",
) -> Markup:
    """Months 1-12 on an axis, phases as bars, milestones as numbered markers, today a line.

    Marker numbers match the ordered list that the page shows as the text alternative.
    """
    out: list[str] = []
    axis_y, phase_y, proef_y, marker_y = 44.0, 150.0, 128.0, 92.0
    edges = month_starts(start, end)
    # month grid and labels
    for k, (m0, m1) in enumerate(zip(edges, edges[1:], strict=False)):
        x0, x1 = date_x(m0, start, end), date_x(m1, start, end)
        out.append(f'<rect {_attrs(x=_n(x0), y=_n(axis_y), width=_n(x1 - x0), height=_n(phase_y + 22 - axis_y), class_="month " + ("odd" if k % 2 else "even"))}/>')
        out.append(f'<text {_attrs(x=_n((x0 + x1) / 2), y=18, text_anchor="middle", class_="month-number")}>{k + 1}</text>')
        out.append(f'<text {_attrs(x=_n((x0 + x1) / 2), y=34, text_anchor="middle", class_="month-name")}>{MONTHS[m0.month - 1]}</text>')
    out.append(f'<line {_attrs(x1=_n(TL_LEFT), y1=_n(axis_y), x2=_n(TL_RIGHT), y2=_n(axis_y), class_="axis")}/>')
    # bands: phases (row 0) and the proefplaatsing (row 1)
    for i, band in enumerate(b for b in bands if b.row == 0):
        x0, x1 = date_x(band.start, start, end), date_x(band.end, start, end)
        cls = "phase" + (" current" if band.current else "") + (" alt" if i % 2 else "")
        out.append(f'<rect {_attrs(x=_n(x0), y=_n(phase_y), width=_n(max(x1 - x0, 1)), height=22, rx=3, class_=cls)}>'
                   f'<title>{escape(band.label)}</title></rect>')
        ly = phase_y + 40 + (14 if i % 2 else 0)
        out.append(f'<text {_attrs(x=_n((x0 + x1) / 2), y=_n(ly), text_anchor="middle", class_="phase-label" + (" current" if band.current else ""))}>{escape(band.label)}</text>')
    for band in (b for b in bands if b.row == 1):
        x0, x1 = date_x(band.start, start, end), date_x(band.end, start, end)
        out.append(f'<rect {_attrs(x=_n(x0), y=_n(proef_y), width=_n(max(x1 - x0, 1)), height=14, rx=3, class_=band.kind)}>'
                   f'<title>{escape(band.label)}</title></rect>')
        out.append(f'<text {_attrs(x=_n(x1 + 4), y=_n(proef_y + 11), class_=f"{band.kind}-label")}>{escape(band.label)}</text>')
    # milestones: numbered markers; neighbours alternate their number above/below
    for i, m in enumerate(markers):
        x = date_x(m.due_on, start, end)
        out.append(f'<g {_attrs(class_="milestone " + MARKER_SHAPES.get(m.status, "planned"))}>'
                   f'<title>{m.number}. {escape(m.label)}: {escape(m.status_label)}</title>'
                   f'<line {_attrs(x1=_n(x), y1=_n(axis_y), x2=_n(x), y2=_n(marker_y - 10), class_="stem")}/>'
                   + _marker_shape(x, marker_y, m.status)
                   + f'<text {_attrs(x=_n(x), y=_n(marker_y - 14 if i % 2 else marker_y + 24), text_anchor="middle", class_="marker-number")}>{m.number}</text>'
                   '</g>')
    # today
    if today is not None and start <= today <= end:
        x = date_x(today, start, end)
        out.append(f'<g class="today"><line {_attrs(x1=_n(x), y1=_n(axis_y - 4), x2=_n(x), y2=_n(TL_HEIGHT - 14), class_="today-line")}/>'
                   f'<text {_attrs(x=_n(x), y=_n(TL_HEIGHT - 2), text_anchor="middle", class_="today-label")}>vandaag</text></g>')
    return _svg(TL_WIDTH, TL_HEIGHT, title, out, class_="chart timeline", id_=id_)


# -- hours gauge ------------------------------------------------------------------------------------

GAUGE_W, GAUGE_H = 240, 150
GAUGE_CENTER, GAUGE_R = (120.0, 122.0), 96.0


def gauge_fraction(used: Decimal | float, cap: Decimal | float) -> float:
    """Share of the cap used, clamped to 0..1 (the arc never runs past full)."""
    used, cap = float(used), float(cap)
    if cap <= 0:
        return 1.0 if used > 0 else 0.0
    return max(0.0, min(used / cap, 1.0))


def gauge_point(fraction: float) -> tuple[float, float]:
    """Point on the half circle: 0 at the left end, 1 at the right end, over the top."""
    theta = math.pi * (1 - fraction)
    return GAUGE_CENTER[0] + GAUGE_R * math.cos(theta), GAUGE_CENTER[1] - GAUGE_R * math.sin(theta)


def hours_gauge(used: Decimal, cap: Decimal, *, status: str, caption: str, id_: str) -> Markup:
    """A half-circle gauge of hours used against a cap; over the cap it is full and red."""
    f = gauge_fraction(used, cap)
    x0, y0 = gauge_point(0)
    x1, y1 = gauge_point(1)
    out = [f'<path {_attrs(d=f"M {_n(x0)} {_n(y0)} A {_n(GAUGE_R)} {_n(GAUGE_R)} 0 0 1 {_n(x1)} {_n(y1)}", class_="track", fill="none", stroke_width=18)}/>']
    if f > 0:
        xf, yf = gauge_point(f)
        out.append(f'<path {_attrs(d=f"M {_n(x0)} {_n(y0)} A {_n(GAUGE_R)} {_n(GAUGE_R)} 0 0 1 {_n(xf)} {_n(yf)}", class_=f"fill {status}", fill="none", stroke_width=18)}/>')
    percent = round(100 * float(used) / float(cap)) if float(cap) > 0 else (100 if used else 0)
    out.append(f'<text {_attrs(x=_n(GAUGE_CENTER[0]), y=_n(GAUGE_CENTER[1] - 28), text_anchor="middle", class_="gauge-percent")}>{percent}%</text>')
    out.append(f'<text {_attrs(x=_n(GAUGE_CENTER[0]), y=_n(GAUGE_CENTER[1] - 4), text_anchor="middle", class_="gauge-hours")}>'
               f'{escape(_hours(used))} van {escape(_hours(cap))} uur</text>')
    out.append(f'<text {_attrs(x=_n(x0), y=_n(GAUGE_CENTER[1] + 20), text_anchor="middle", class_="gauge-end")}>0</text>')
    out.append(f'<text {_attrs(x=_n(x1), y=_n(GAUGE_CENTER[1] + 20), text_anchor="middle", class_="gauge-end")}>{escape(_hours(cap))}</text>')
    label = f"{caption}: {_hours(used)} van {_hours(cap)} uur gebruikt ({percent}%)"
    return _svg(GAUGE_W, GAUGE_H, label, out, class_="chart gauge", id_=id_)


def _hours(value: Decimal | float) -> str:
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
