"""A horizontal bar chart as inline SVG, for the management view's figures.

Like `webui.svg_charts`: pure, deterministic markup under the strict CSP (no style attributes,
classes from `static/inbox.css`), with a `<title>`, `role="img"` and an `aria-label` that reads
every bar; the page puts the same figures in a table beside it, with the links.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from webui.svg_charts import _attrs, _n, _svg

LABEL_W = 210
BAR_W = 180
ROW_H = 26
VALUE_W = 50


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, id_: str, unit: str = "") -> Markup:
    """One bar per (label, value), scaled to the largest value; the value printed after the bar."""
    top = max([v for _, v in bars] + [0])
    height = ROW_H * max(len(bars), 1) + 4
    body: list[str] = []
    for i, (label, value) in enumerate(bars):
        y = 2 + i * ROW_H
        w = BAR_W * value / top if top else 0
        body.append(f'<text {_attrs(x=LABEL_W - 8, y=_n(y + ROW_H / 2 + 5), text_anchor="end", class_="chart-label")}>'
                    f'{escape(label)}</text>')
        body.append(f'<rect {_attrs(x=LABEL_W, y=y + 3, width=_n(BAR_W), height=ROW_H - 8, class_="chart-track")}/>')
        body.append(f'<rect {_attrs(x=LABEL_W, y=y + 3, width=_n(w), height=ROW_H - 8, class_="chart-bar")}/>')
        body.append(f'<text {_attrs(x=LABEL_W + BAR_W + 8, y=_n(y + ROW_H / 2 + 5), class_="chart-value")}>'
                    f'{escape(_number(value))}{escape(unit)}</text>')
    said = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in bars) or "geen gegevens"
    return _svg(LABEL_W + BAR_W + VALUE_W + 8, height, f"{title}. {said}.", body, class_="bar-chart", id_=id_)


def _number(value: float) -> str:
    """Dutch: a decimal comma, no trailing zeros."""
    return _n(value).replace(".", ",")
