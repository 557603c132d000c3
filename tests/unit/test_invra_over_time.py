"""INVRA over time: a profile summarised per category, and the step chart drawn from it."""

from __future__ import annotations

from datetime import date

from webui.invra_chart import invra_over_time
from workflows.domain import invra
from workflows.usecases.invra_history import ProfilePoint


def test_a_profile_per_category_counts_the_scored_competences_and_their_mean():
    work, motor, attitude = invra.category_levels({"01": 1, "02": 2, "13": 3, "99": 3, "20": 0})
    assert (work.scored, work.mean, work.size) == (2, 1.5, 12)
    assert (motor.scored, motor.mean) == (1, 3.0)
    assert (attitude.scored, attitude.mean, attitude.size) == (0, None, 19)
    later = invra.category_levels({"01": 3, "02": 2})[0]
    assert invra.mean_change(work, later) == 1.0 and invra.mean_change(attitude, later) is None


def _point(day: date, profile: dict[str, int]) -> ProfilePoint:
    levels = invra.category_levels(profile)
    return ProfilePoint(day, "Sanne", 2, sum(lv.scored for lv in levels), levels, tuple(None for _ in levels))


def test_the_chart_draws_a_step_line_per_category_and_leaves_gaps_where_nothing_was_scored():
    assert invra_over_time([], title="leeg") is None
    svg = str(invra_over_time([_point(date(2026, 9, 1), {"01": 1, "13": 2}),
                               _point(date(2026, 11, 1), {"01": 3})], title="Daan door de tijd"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-label="Daan door de tijd"' in svg
    assert "style=" not in svg  # the Content-Security-Policy allows classes only
    assert svg.count('class="step cat-prestaties"') == 2  # the line and its legend
    assert svg.count('class="dot cat-motorisch"') == 1 and 'class="dot cat-houding"' not in svg
    assert "1 sep" in svg and "1 nov" in svg and "<title>Arbeidsprestaties, 01-11-2026: 3,0</title>" in svg
