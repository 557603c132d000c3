"""The management view's bar chart: a picture that says its figures in words too."""

from __future__ import annotations

import re

from webui.svg_bars import bar_chart


def test_a_bar_chart_names_every_bar_in_its_title_and_scales_to_the_largest():
    svg = str(bar_chart([("Nijmegen", 4), ("Midden-Gelderland", 2), ("<Leeg>", 0)], title="Gestart", id_="g"))
    assert 'role="img"' in svg and 'aria-labelledby="g-titel"' in svg
    assert '<title id="g-titel">Gestart. Nijmegen: 4; Midden-Gelderland: 2; &lt;Leeg&gt;: 0.</title>' in svg
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]*|width="([\d.]+)"[^>]*class="chart-bar"', svg) if w]
    assert widths == [180, 90, 0]
    assert "style=" not in svg  # the CSP allows no inline styles
    assert bar_chart([("a", 1.5)], title="t", id_="x") == bar_chart([("a", 1.5)], title="t", id_="x")
    assert "1,5" in str(bar_chart([("a", 1.5)], title="t", id_="x"))
