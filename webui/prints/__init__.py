"""Documents to print, as PDF downloads made on the fly (WeasyPrint, `webui.prints.render`):

- the trajectplan (seed appendix 4) for the three-party signing: `/plannen/<id>/trajectplan.pdf`,
  behind exactly the plan page's rules (the access policy; the role's hidden fields);
- a plan's hours statement for one month: `/plannen/<id>/uren/<yyyy-mm>.pdf`, the same figures
  as the page and the CSV (one `Statement`);
- JoB's summary of an employer's hours per quarter: `/bedrijven/<id>/uren/<yyyy-Kn>.csv|.pdf`.

Every PDF is `Cache-Control: no-store` and never written to disk.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, render_template

from engine.errors import EngineError
from webui.auth import current_actor, login_required
from webui.extensions import services
from webui.plans import loaded_labels
from webui.prints.render import pdf_bytes, pdf_response
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_periods
from workflows.domain import hours_summary as hs
from workflows.domain.plan_actions import GOAL_STATUSES, hidden_fields
from workflows.usecases.hours_summaries import HoursSummaries
from workflows.usecases.money_services import MoneyServices
from workflows.usecases.plan_print import CandidateErased, PlanPrint, TrajectplanDocument

bp = Blueprint("prints", __name__)


@bp.app_template_filter("nl_long")
def nl_long(day: date) -> str:
    """2026-11-23 -> '23 november 2026' (the way a signed document dates itself)."""
    return f"{day.day} {hours_periods.NL_MONTHS[day.month - 1]} {day.year}"


def trajectplan_pdf(doc: TrajectplanDocument) -> bytes:
    return pdf_bytes("pdf/trajectplan.html", d=doc, o=doc.overview, hidden=doc.hidden, parties=plan.PARTIES,
                     goal_statuses=GOAL_STATUSES, labels=loaded_labels(doc.overview))


@bp.route("/plannen/<int:case_id>/trajectplan.pdf")
@login_required
def trajectplan(case_id: int):
    """The plan as the parties sign it; an invisible plan is a 404, an erased candidate's 410."""
    try:
        doc = PlanPrint(services()).trajectplan(current_actor(), case_id)
    except CandidateErased:
        return render_template("error.html", title="Gewist",
                               message="De kandidaat van dit plan is gewist: het trajectplan bestaat niet meer."), 410
    return pdf_response(trajectplan_pdf(doc), f"trajectplan-{case_id}.pdf")


@bp.route("/plannen/<int:case_id>/uren/<month>.pdf")
@login_required
def statement(case_id: int, month: str):
    """One month's hours statement: the page's and the CSV's figures, laid out for UWV or the employer."""
    actor = current_actor()
    if hours_periods.parse_month(month) != month or "invoiced" in hidden_fields(actor.role):
        abort(404)  # JoB's money is not for the employer's side (plan_actions.PLAN_FIGURES)
    try:
        st, candidate, employer = MoneyServices(services()).statement(actor, case_id, month)
    except EngineError:
        abort(404)
    data = pdf_bytes("pdf/statement.html", st=st, candidate=candidate, employer=employer, case_id=case_id)
    return pdf_response(data, f"urenverantwoording-{case_id}-{month}.pdf")


def _summary(organisation_id: int, quarter: str) -> tuple[hs.QuarterSummary, object]:
    try:
        return HoursSummaries(services()).summary(current_actor(), organisation_id, quarter)
    except EngineError:
        abort(404)


@bp.route("/bedrijven/<int:organisation_id>/uren/<quarter>.csv")
@login_required
def summary_csv(organisation_id: int, quarter: str):
    """The employer's quarter: one row per candidate, the sum of their monthly statements."""
    summary, rules = _summary(organisation_id, quarter)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(
        hs.summary_csv_rows(summary))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="uren-{organisation_id}-{quarter}.csv"',
        "Cache-Control": "no-store"})


@bp.route("/bedrijven/<int:organisation_id>/uren/<quarter>.pdf")
@login_required
def summary_pdf(organisation_id: int, quarter: str):
    summary, rules = _summary(organisation_id, quarter)
    months = [hours_periods.month_label(m) for m in hs.quarter_months(quarter)]
    data = pdf_bytes("pdf/summary.html", landscape=True, sm=summary, rules=rules, months=months)
    return pdf_response(data, f"uren-{organisation_id}-{quarter}.pdf")
