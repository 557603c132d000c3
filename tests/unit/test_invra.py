"""INVRA-Arbeid: labels as data, profiles 1-3, matching, ranking and growth by hand-computed examples."""

from __future__ import annotations

import pytest

from engine.errors import InvalidPayload
from workflows.domain import invra

ALL_TWO = {code: 2 for code in invra.CODES}


def test_catalogue_has_38_competences_in_three_categories():
    assert len(invra.CODES) == 38
    assert [invra.category_of(c).key for c in ("01", "12", "13", "19", "20", "38")] == [
        "arbeidsprestaties", "arbeidsprestaties", "motorisch", "motorisch", "arbeidshouding", "arbeidshouding"]


def test_labels_are_numbered_placeholders_until_an_organisation_loads_its_own():
    assert invra.labels()["07"] == "Competentie 07"
    assert invra.labels({"07": "Eigen omschrijving"})["07"] == "Eigen omschrijving"
    assert invra.labels({"07": "Eigen omschrijving"})["08"] == "Competentie 08"


def test_label_file_accepts_semicolons_commas_tabs_and_comments():
    text = "# eigen lijst\n1;Eerste\n\n02,Tweede, met komma\n38\tLaatste\n"
    assert invra.parse_labels(text) == {"01": "Eerste", "02": "Tweede, met komma", "38": "Laatste"}


@pytest.mark.parametrize("text, line, message", [
    ("39;Bestaat niet", "regel 1", "geen competentienummer"),
    ("1;Een\n01;Nog een", "regel 2", "twee keer"),
    ("1;", "regel 1", "ontbreekt"),
    ("zonder scheidingsteken", "regel 1", "nummer;omschrijving"),
    ("1;" + "x" * 121, "regel 1", "te lang"),
])
def test_a_wrong_label_line_is_named_and_nothing_is_loaded(text, line, message):
    with pytest.raises(InvalidPayload) as info:
        invra.parse_labels(text)
    assert message in info.value.errors[line]


def test_an_empty_label_file_is_refused():
    with pytest.raises(InvalidPayload):
        invra.parse_labels("# alleen commentaar\n")


def test_profile_levels_must_be_1_to_3_and_codes_known():
    assert invra.clean_profile({"1": "3", 2: 1, "38": 2}) == {"01": 3, "02": 1, "38": 2}
    for bad in ({"01": 4}, {"01": 0}, {"01": "hoog"}, {"01": True}, {"39": 2}, {}, None, [1, 2]):
        with pytest.raises(InvalidPayload):
            invra.clean_profile(bad)


def test_a_workplace_profile_can_be_required_complete():
    with pytest.raises(InvalidPayload) as info:
        invra.clean_profile({"01": 2}, complete=True)
    assert info.value.errors["profile"] == "Nog 37 van de 38 competenties zonder niveau."
    assert len(invra.clean_profile(ALL_TWO, complete=True)) == 38


def test_match_lists_gaps_largest_first_and_scores_the_share_met():
    workplace = {**ALL_TWO, "01": 3, "13": 3}
    person = {**ALL_TWO, "01": 1, "13": 3, "20": 3}
    del person["05"]
    m = invra.match(person, workplace)
    # 38 required; 01 (1 < 3) and 05 (not observed) fall short: 36 of 38 = 94.7 %.
    assert (m.required, m.met, m.score) == (38, 36, 94.7)
    assert [(g.code, g.person, g.required, g.shortfall) for g in m.gaps] == [("01", 1, 3, 2), ("05", None, 2, 2)]
    assert m.not_observed == ("05",)
    assert m.surplus == ("20",)
    assert m.total_shortfall == 4


def test_match_only_counts_competences_the_workplace_scores():
    m = invra.match({"01": 1, "02": 3}, {"02": 2, "03": 1})
    assert (m.required, m.met, m.score) == (2, 1, 50.0)
    assert [g.code for g in m.gaps] == ["03"]


def test_candidates_rank_by_share_met_then_smallest_shortfall():
    workplace = {**ALL_TWO, "01": 3, "13": 3}
    a = {**ALL_TWO, "01": 1, "13": 3}  # met 37: only 01 short by 2
    b = dict(ALL_TWO)  # met 36: 01 and 13 short by 1 each
    c = {code: 3 for code in invra.CODES}  # meets everything
    d = {**ALL_TWO, "01": 3, "02": 1, "13": 1}  # met 36: 02 short by 1, 13 short by 2
    ranked = invra.rank(workplace, {4: d, 1: a, 2: b, 3: c})
    assert [(r.candidate_id, r.match.met, r.match.total_shortfall) for r in ranked] == [
        (3, 38, 0), (1, 37, 2), (2, 36, 2), (4, 36, 3)]


def test_growth_compares_competences_observed_both_times():
    g = invra.growth({"01": 1, "02": 2, "03": 3}, {"01": 2, "02": 2, "03": 2, "04": 1})
    assert [(c.code, c.delta) for c in g.changes] == [("01", 1), ("02", 0), ("03", -1)]
    assert [c.code for c in g.grown] == ["01"]
    assert [c.code for c in g.declined] == ["03"]
    assert [c.code for c in g.unchanged] == ["02"]
    assert g.net == 0


def test_profile_by_category_feeds_the_radar_in_number_order():
    cats = invra.by_category({"01": 2, "13": 3})
    assert [len(v) for v in cats.values()] == [12, 7, 19]
    assert cats["arbeidsprestaties"][0] == ("01", 2) and cats["motorisch"][0] == ("13", 3)
    assert cats["arbeidshouding"][0] == ("20", None)
