"""The plan's sections: the overview (`/plannen/<id>`) links to one page per section
(`/plannen/<id>/<section>`), each with its figures and the forms of its actions.

Which section shows a form (after it was refused, or after it worked) follows from the form's
anchor in `form_payloads.FORMS`, so a form is declared once.
"""

from __future__ import annotations

from webui.plans.form_payloads import FORMS

SECTIONS: dict[str, str] = {
    "tijdlijn": "Planjaar",
    "doelen": "Doelen",
    "evaluaties": "Evaluaties",
    "invra": "INVRA",
    "uren": "Uren",
    "instrumenten": "Instrumenten",
    "ontwikkeling": "Werkniveau en opleiding",
    "acties": "Plan en ondertekening",
}
TITLES: dict[str, str] = {**SECTIONS, "tijdlijn": "Het planjaar", "doelen": "SMART-doelen",
                          "uren": "Begeleidingsuren en verantwoording"}

# A form's anchor -> the section page it is on.
_ANCHOR_SECTION = {"plan-document": "acties", "ondertekening": "acties", "verantwoording": "uren"}


def section_of(form_name: str) -> str:
    """The section page that holds the form `form_name`."""
    anchor = FORMS[form_name].anchor
    return _ANCHOR_SECTION.get(anchor, anchor)

