"""The workflow diagram is drawn from the definition: every phase, every phase change with its
label, the current phase highlighted, accessible, and within the strict CSP (no style attributes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.store.models import AuditEntry
from webui.cases.audit import audit_lines
from webui.diagram import edges, layout, mermaid, phase_list, render_svg
from workflows.domain.company_trajectory import WORKFLOW as COMPANY
from workflows.usecases.catalog import all_workflows

WORKFLOWS = {wf.name: wf for wf in all_workflows()}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_phase_and_phase_change_is_in_the_diagram(name):
    wf = WORKFLOWS[name]
    svg = str(render_svg(wf, wf.initial.name))
    for state in wf.states:
        assert f'data-state="{state.name}"' in svg
        assert state.label.replace("&", "&amp;") in svg
    for _src, _dst, label in edges(wf):
        assert label.replace("&", "&amp;") in svg, label


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_boxes_do_not_overlap_and_fit_the_picture(name):
    lay = layout(WORKFLOWS[name])
    boxes = list(lay.boxes.values())
    for i, a in enumerate(boxes):
        assert a.x >= 0 and a.y >= 0 and a.x + a.w <= lay.width and a.y + 40 <= lay.height
        for b in boxes[i + 1:]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + 40 <= b.y or b.y + 40 <= a.y
            assert apart, (a.name, b.name)


def test_the_main_line_of_the_company_trajectory_is_its_happy_path():
    assert layout(COMPANY).chain == ["adviesgesprek", "bedrijfsanalyse", "eindgesprek", "werving", "sollicitatie",
                                     "trajectplan", "afgerond"]


def test_current_phase_is_highlighted_and_visited_ones_marked():
    svg = str(render_svg(COMPANY, "werving", {"adviesgesprek", "bedrijfsanalyse", "eindgesprek"}))
    assert re.search(r'class="state state-current" data-state="werving"', svg)
    assert re.search(r'class="state state-visited" data-state="eindgesprek"', svg)
    assert re.search(r'class="state state-todo" data-state="sollicitatie"', svg)
    assert "✓ Eindgesprek" in svg


def test_diagram_is_accessible_and_needs_no_style_or_script():
    svg = str(render_svg(COMPANY, "werving"))
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "aria-labelledby=" in svg and "Huidige fase: Werving." in svg
    assert "style=" not in svg and "<script" not in svg and "<style" not in svg


def test_the_text_alternative_lists_each_phase_with_its_status_and_exits():
    items = phase_list(COMPANY, "werving", {"adviesgesprek"})
    assert [i.label for i in items][:3] == ["Adviesgesprek", "Bedrijfsanalyse", "Eindgesprek"]
    assert items[0].status_label == "doorlopen" and items[3].status_label == "huidige fase"
    assert "Sollicitatie starten → Sollicitatie" in items[3].exits


def test_mermaid_text_names_every_phase_change():
    text = mermaid(COMPANY)
    assert text.startswith("stateDiagram-v2")
    assert "werving --> sollicitatie : Sollicitatie starten" in text
    assert "[*] --> adviesgesprek" in text


def _entry(seq, trigger, from_state, to_state, *, user=None, role="system", payload=None, reason=None, request_id=None):
    return AuditEntry(case_id=1, seq=seq, at=datetime(2026, 11, 23, 13, 5, tzinfo=UTC), actor_user_id=user,
                      actor_role=role, trigger=trigger, from_state=from_state, to_state=to_state,
                      payload=payload or {}, reason=reason, request_id=request_id, prev_hash="", hash="")


def test_audit_lines_read_as_sentences_newest_first():
    trail = [
        _entry(1, "start", None, "adviesgesprek", user=7, role="job"),
        _entry(2, "record_vacancy", "eindgesprek", "eindgesprek", user=7, role="job"),
        _entry(3, "start_interviews", "werving", "sollicitatie", user=7, role="job", reason="Twee goede kandidaten"),
        _entry(4, "hire_candidate", "sollicitatie", "sollicitatie", user=8, role="opdrachtgever",
               payload={"candidate_id": 3}),
        _entry(5, "close_trajectory", "trajectplan", "afgerond", request_id="timer:12"),
        _entry(6, "stop", "werving", "gestopt", user=9, role="wsp",
               payload={"reason": "geen_kandidaat", "explanation": "Niemand beschikbaar"}),
    ]
    lines = audit_lines(COMPANY, trail, {7: "Sanne de Vries", 8: "Marieke Jansen", 9: "Lisa Bakker"}, {3: "Noor Bosman"})
    said = [f"{x.who} ({x.role}) {x.action}" + (f" — reden: {x.reason}" if x.reason else "") for x in lines]
    assert said == [
        "Lisa Bakker (WSP) zette de fase van Werving naar Gestopt (Traject stoppen) — reden: Geen geschikte kandidaat; "
        "Niemand beschikbaar",
        "Systeem (timer) zette de fase van Trajectplan naar Afgerond (Bedrijfstraject afsluiten)",
        "Marieke Jansen (Opdrachtgever) legde vast: Kandidaat aannemen (start trajectplan) — kandidaat Noor Bosman",
        "Sanne de Vries (JoB) zette de fase van Werving naar Sollicitatie (Sollicitatie starten) — reden: "
        "Twee goede kandidaten",
        "Sanne de Vries (JoB) legde vast: Vacature vastleggen",
        "Sanne de Vries (JoB) startte de zaak in fase Adviesgesprek",
    ]


TEMPLATES = Path(__file__).parents[2] / "webui" / "templates"


@pytest.mark.parametrize("name", ["case.html", "company_case.html", "companies.html", "company.html",
                                  "company_new.html", "candidates.html", "_audit.html", "_diagram.html",
                                  "_fields.html"])
def test_templates_keep_to_the_content_security_policy(name):
    source = (TEMPLATES / name).read_text()
    assert "style=" not in source and "<style" not in source and "<script" not in source
