"""JoB's management view (coordinators and administrators) with its CSV export, and the list of
candidate plans that the dashboard's and the management view's figures link to."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, url_for

from engine.errors import InvalidPayload, NotPermitted
from webui.auth import current_actor, login_required, roles_required
from webui.extensions import services
from webui.svg_bars import bar_chart
from workflows.domain import coaching
from workflows.domain.hours_periods import neutralise, nl_number
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.management import Figure, Management, ManagementData
from workflows.usecases.plan_list import PlanList, PlanLists

bp = Blueprint("management", __name__)

HOURS_STATUSES = tuple(coaching.STATUS_LABELS)


def figure_url(f: Figure) -> str:
    """Where a figure's link goes: the plans list or the companies list, with its filters."""
    endpoint = "management.plans" if f.list == "plannen" else "companies.index"
    return url_for(endpoint, **dict(f.args))


bp.add_app_template_global(figure_url, "figure_url")


def coordinators(view):
    """JoB coordinators and administrators; for anyone else the page does not exist (the use
    case refuses, `_build` turns that into a 404)."""
    view.access_rule = "roles:admin,job-coordinator"
    return login_required(view)


def _build(period: str | None = None) -> tuple[ManagementData | None, str | None]:
    try:
        return Management(services()).build(current_actor(), period or request.args.get("periode")), None
    except InvalidPayload as exc:
        return None, " ".join(exc.errors.values())
    except NotPermitted:
        abort(404)


@bp.route("/management")
@coordinators
def index():
    data, problem = _build()
    if data is None:  # an unknown period: this year's figures under the message
        data = Management(services()).build(current_actor())
    return render_template("management.html", m=data, problem=problem, charts=_charts(data),
                           statuses=coaching.STATUS_LABELS), 400 if problem else 200


def _charts(m: ManagementData) -> dict:
    """The pictures beside the tables (the tables hold the same figures, with the links)."""
    regions = m.regions
    return {
        "started": bar_chart([(r.region, r.started) for r in regions],
                             title=f"Gestarte plaatsingen per WSP-regio, {m.period.label}", id_="grafiek-gestart"),
        "funnel": bar_chart([(label, m.total.funnel.get(state, 0)) for state, label in m.phases.items()],
                            title=f"Bedrijven per bereikte fase, trajecten gestart in {m.period.label}",
                            id_="grafiek-trechter"),
        "hours": bar_chart([(label, m.total.hours_status.get(key, 0)) for key, label in coaching.STATUS_LABELS.items()],
                           title="Lopende trajectplannen naar stand van de uren", id_="grafiek-uren"),
        "instruments": bar_chart([("Aan te vragen", m.total.to_apply), ("Termijn deze maand", m.total.due_this_month),
                                  ("Aangevraagd", m.total.applied), ("Afgewezen", m.total.refused)],
                                 title="Instrumenten, alle regio's", id_="grafiek-instrumenten"),
    }


def csv_rows(m: ManagementData) -> list[list[str]]:
    """Every figure of the page as a row: section, region, figure, number (Dutch decimal comma)."""
    rows = [["Managementoverzicht JoB", m.period.label], ["Stand op", m.today.isoformat()], [],
            ["Onderdeel", "WSP-regio", "Cijfer", "Aantal"]]
    for r in [*m.regions, m.total]:
        def add(section: str, label: str, value: object, region: str = r.region) -> None:
            rows.append([section, region, label, str(value)])
        add("Plaatsingen", "Gestart", r.started)
        add("Plaatsingen", "Voortijdig beëindigd", r.ended)
        add("Plaatsingen", "Na 12 maanden aan het werk", r.working_12)
        for state, label in m.phases.items():
            add("Fasetrechter", f"Fase {label} bereikt", r.funnel.get(state, 0))
        for key, label in coaching.STATUS_LABELS.items():
            add("Uren", f"Lopende plannen: {label}", r.hours_status.get(key, 0))
        add("Uren", "Geschreven uren", nl_number(r.hours_used))
        add("Uren", "UWV-maximum jaar 1", nl_number(r.hours_cap))
        add("Instrumenten", "Aan te vragen", r.to_apply)
        add("Instrumenten", "Aanvragen uiterlijk deze maand", r.due_this_month)
        add("Instrumenten", "Aangevraagd", r.applied)
        add("Instrumenten", "Afgewezen in de periode", r.refused)
    return [[neutralise(c) for c in row] for row in rows]


@bp.route("/management/<periode>.csv")
@coordinators
def export(periode: str):
    data, problem = _build(periode)
    if data is None:
        abort(400, problem)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(csv_rows(data))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="managementoverzicht-{data.period.key}.csv"',
        "Cache-Control": "no-store"})


@bp.route("/plannen")
@roles_required(JOB, ADMIN)
def plans():
    """The candidate plans behind a figure (filters in the query string, see list_filters)."""
    problem = None
    try:
        listing = PlanLists(services()).plans(current_actor(), request.args)
    except InvalidPayload as exc:
        problem = " ".join(exc.errors.values())
        listing = PlanList([], [], {})
    except NotPermitted:
        abort(404)
    return render_template("plan_list.html", listing=listing, filtered_on=listing.filters,
                           filter_error=problem), 400 if problem else 200
