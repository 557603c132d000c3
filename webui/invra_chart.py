"""A candidate's INVRA profiles over time as a small inline SVG step chart (candidate page).

One step line per category (Arbeidsprestaties, Motorisch, Arbeidshouding): its mean level
(1-3) holds from one observation to the next. Pure function to escaped markup, under the strict
Content-Security-Policy (classes only, see `static/case.css`); the table beside it gives the
same figures as text.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from webui.svg_charts import CATEGORY_CLASS, MONTHS, _attrs, _n, _svg
from workflows.usecases.invra_history import ProfilePoint

W, H = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 16, 74
LEGEND_X = (0, 180, 420)  # after "Arbeidsprestaties" and "Motorische competenties" at 13 px


def _x(i: int, n: int) -> float:
    return (LEFT + RIGHT + (W - LEFT - RIGHT)) / 2 if n == 1 else LEFT + i * (W - LEFT - RIGHT) / (n - 1)


def _y(level: float) -> float:
    return TOP + (3 - level) / 2 * (H - TOP - BOTTOM)


def invra_over_time(points: Sequence[ProfilePoint], *, title: str, id_: str = "invra-verloop") -> Markup | None:
    """The chart, or None without observations."""
    if not points:
        return None
    n = len(points)
    out: list[str] = []
    for level in (1, 2, 3):
        y = _n(_y(level))
        out.append(f'<line {_attrs(x1=LEFT, y1=y, x2=W - RIGHT, y2=y, class_="grid")}/>')
        out.append(f'<text {_attrs(x=LEFT - 8, y=y, text_anchor="end", dominant_baseline="central", class_="axis-label")}>'
                   f"{level}</text>")
    for i, p in enumerate(points):
        x = _n(_x(i, n))
        day = p.observed_on
        out.append(f'<text {_attrs(x=x, y=H - BOTTOM + 20, text_anchor="middle", class_="axis-label")}>'
                   f"{day.day} {MONTHS[day.month - 1]}</text>")
        out.append(f'<text {_attrs(x=x, y=H - BOTTOM + 36, text_anchor="middle", class_="axis-label year")}>'
                   f"{day.year}</text>")
    for c, cat in enumerate(points[0].levels):
        cls = CATEGORY_CLASS.get(cat.category.key, "")
        path: list[str] = []
        previous: float | None = None
        for i, p in enumerate(points):
            mean = p.levels[c].mean
            x = _x(i, n)
            if mean is None:
                previous = None
                continue
            if previous is None:
                path.append(f"M{_n(x)} {_n(_y(mean))}")
            else:
                path.append(f"H{_n(x)} V{_n(_y(mean))}")
            previous = mean
            out.append(f'<circle {_attrs(cx=_n(x), cy=_n(_y(mean)), r=4.5, class_=f"dot {cls}")}>'
                       f"<title>{escape(cat.category.label)}, {escape(p.observed_on.strftime('%d-%m-%Y'))}: "
                       f"{escape(str(mean).replace('.', ','))}</title></circle>")
        if path:
            out.insert(0, f'<path {_attrs(d=" ".join(path), class_=f"step {cls}", fill="none")}/>')
    legend_y = H - 14
    for c, cat in enumerate(points[0].levels):
        cls = CATEGORY_CLASS.get(cat.category.key, "")
        x = LEFT + LEGEND_X[c % len(LEGEND_X)]
        out.append(f'<line {_attrs(x1=_n(x), y1=legend_y, x2=_n(x + 22), y2=legend_y, class_=f"step {cls}")}/>')
        out.append(f'<text {_attrs(x=_n(x + 28), y=legend_y, dominant_baseline="central", class_="legend")}>'
                   f"{escape(cat.category.label)}</text>")
    return _svg(W, H, title, out, class_="invra-history-chart", id_=id_)
