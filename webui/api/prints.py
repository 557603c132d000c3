"""`GET /api/v1/cases/{id}/trajectplan.pdf`: the trajectplan as the web's *Afdrukken (PDF)* makes
it (`webui.prints`), for the token's user: the same access policy (another organisation's plan
is a 404), the same hidden fields per role, the read logged; never stored.
"""

from __future__ import annotations

from typing import Any

from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.schemas import ID
from webui.api.views import _args, _case_id
from webui.extensions import services
from webui.prints import trajectplan_pdf
from webui.prints.render import pdf_response
from workflows.usecases.plan_print import PlanPrint


@bp.route("/cases/<int:case_id>/trajectplan.pdf", methods=["GET"])
@token_required
def trajectplan_document(case_id: int):
    _args()
    doc = PlanPrint(services()).trajectplan(api_actor(), _case_id(case_id))  # 404: invisible, no plan, erased
    return pdf_response(trajectplan_pdf(doc), f"trajectplan-{case_id}.pdf")


def print_paths(errors: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI entries of this module (`errors`: the shared error responses by code)."""
    return {"/api/v1/cases/{case_id}/trajectplan.pdf": {"get": {
        "operationId": "getTrajectplanPdf",
        "summary": "The candidate's trajectplan as a PDF (seed appendix 4) for signing",
        "description": "Personal data, coaching need, SMART goals, planning and hours, evaluations and every "
                       "signature per version. What your role may not read (JoB's rate, UWV money, interview "
                       "notes) is left out. Made on request, never stored; the read is logged. A plan whose "
                       "candidate was erased is 404.",
        "parameters": [{"name": "case_id", "in": "path", "required": True,
                        "schema": {**ID, "examples": [2]}}],
        "responses": {"200": {"description": "The PDF (A4)", "content": {"application/pdf": {
            "schema": {"type": "string", "contentMediaType": "application/pdf"}}}},
            **{c: errors[c] for c in ("400", "401", "404", "503")}},
    }}}
