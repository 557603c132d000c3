"""Employers (bedrijven) and candidates (kandidaten): lists, registration, starting a trajectory.

What a role may do is decided by the services (`CompanyServices`, `Directory`); the pages
only hide buttons a role cannot use. Registration forms carry input; the service checks it
and its Dutch messages are shown next to the fields (422, nothing written).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from engine.errors import InvalidPayload, NotPermitted
from webui import lists
from webui.auth import current_actor, login_required, roles_required
from webui.cases.forms import Choice, IsoDate, Number, Text, YesNo, options
from webui.extensions import services
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.hours_summary import quarter_label
from workflows.domain.roles import ADMIN, JOB, WSP
from workflows.usecases.company_services import TARGET_GROUPS, CompanyServices
from workflows.usecases.directory import Directory
from workflows.usecases.hours_summaries import HoursSummaries
from workflows.usecases.list_filters import Filters, company_filters, trajectory_phases
from workflows.usecases.list_sorts import (
    CANDIDATE_SORTS,
    COMPANY_SORTS,
    YES_NO,
    CandidateFilter,
    CandidateList,
    sort_companies,
)
from workflows.usecases.money_services import MoneyServices

bp = Blueprint("companies", __name__)

# Who sees the buttons; the services decide again.
REGISTRARS = (JOB, WSP)


class DataForm(FlaskForm):
    """A registration form: fields map 1:1 onto the service's keyword arguments."""

    payload_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.field_errors: dict[str, str] = {}
        self.error: str | None = None

    def payload(self) -> dict[str, Any]:
        return {name: self[name].payload_value() for name in self.payload_fields}

    def visible_fields(self) -> list[Any]:
        return [self[n] for n in self.payload_fields]

    def attach(self, exc: InvalidPayload) -> None:
        rest = []
        for key, message in exc.errors.items():
            if key in self.payload_fields:
                self.field_errors[key] = message
            else:
                rest.append(message)
        self.error = " ".join(rest) if rest else "Controleer de gemarkeerde velden."


class CompanyForm(DataForm):
    name = Text("Naam van het bedrijf")
    wsp_organisation_id = Choice("WSP-regio")
    kvk_number = Text("KvK-nummer (8 cijfers)")
    employees = Number("Aantal medewerkers")
    contact_name = Text("Contactpersoon")
    contact_email = Text("E-mail contactpersoon", render_kw={"type": "email", "autocomplete": "off"})
    contact_phone = Text("Telefoon contactpersoon", render_kw={"type": "tel"})
    hr_name = Text("HR-contact")
    hr_email = Text("E-mail HR-contact", render_kw={"type": "email", "autocomplete": "off"})
    payload_fields = ("name", "wsp_organisation_id", "kvk_number", "employees", "contact_name", "contact_email",
                      "contact_phone", "hr_name", "hr_email")


class CandidateForm(DataForm):
    first_name = Text("Voornaam")
    last_name = Text("Achternaam")
    date_of_birth = IsoDate("Geboortedatum")
    email = Text("E-mailadres", render_kw={"type": "email", "autocomplete": "off"})
    phone = Text("Telefoon", render_kw={"type": "tel"})
    target_group = Choice("Doelgroep", TARGET_GROUPS)
    in_doelgroepregister = YesNo("In het doelgroepregister?")
    register_checked_on = IsoDate("Register gecontroleerd op")
    contract_hours = Number("Gewenste uren per week")
    payload_fields = ("first_name", "last_name", "date_of_birth", "email", "phone", "target_group",
                      "in_doelgroepregister", "register_checked_on", "contract_hours")


class StartForm(FlaskForm):
    """Starting a trajectory is a state change: a POST with a CSRF token."""


def _directory() -> Directory:
    return Directory(services())


def _company_form(formdata: Any = None) -> CompanyForm:
    form = CompanyForm() if formdata is None else CompanyForm(formdata=formdata)
    regions = _directory().wsp_regions(current_actor())
    form.wsp_organisation_id.choices = options(([("", "— kies een regio —")] if len(regions) > 1 else [])
                                              + [(r.value, r.label) for r in regions])
    return form


@bp.route("/bedrijven")
@login_required
def index():
    return _render_companies()


def _render_companies():
    actor = current_actor()
    sort, descending = lists.sort_for("bedrijven")
    registry = services().registry
    spec = registry.latest(COMPANY_TRAJECTORY).spec
    filters, problem = figure_filters(spec)
    companies = sort_companies(_directory().companies(actor, filters.where), sort, descending, spec.state_label)
    return render_template("companies.html", companies=companies, sort=sort, descending=descending,
                           may_register=actor.role in REGISTRARS, registry=registry, workflow=COMPANY_TRAJECTORY,
                           filtered_on=filters.said, filter_error=problem), 400 if problem else lists.status()


def figure_filters(spec) -> tuple[Filters, str | None]:
    """The filters a dashboard figure links with; an unknown value: no filter and its message."""
    try:
        return company_filters(request.args, trajectory_phases(spec)), None
    except InvalidPayload as exc:
        return Filters((), ()), " ".join(exc.errors.values())


@bp.route("/bedrijven/nieuw", methods=["GET", "POST"])
@roles_required(*REGISTRARS)
def register():
    form = _company_form()
    if form.validate_on_submit():
        data = form.payload()
        region = str(data.pop("wsp_organisation_id") or "")
        try:
            org_id = CompanyServices(services()).register_company(
                current_actor(), wsp_organisation_id=int(region) if region.isdigit() else 0, **data)
        except InvalidPayload as exc:
            form.attach(exc)
            return render_template("company_new.html", form=form), 422
        except NotPermitted as exc:
            form.field_errors["wsp_organisation_id"] = exc.message
            form.error = exc.message
            return render_template("company_new.html", form=form), 422
        flash("Het bedrijf is geregistreerd.")
        return redirect(url_for("companies.show", organisation_id=org_id))
    return render_template("company_new.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/bedrijven/<int:organisation_id>")
@login_required
def show(organisation_id: int):
    actor = current_actor()
    d = _directory()
    company = d.company(actor, organisation_id)
    may_start = (actor.role in REGISTRARS and company.line.open_trajectory is None
                 and services().policy.can_start(actor, COMPANY_TRAJECTORY, organisation_id))
    quota = None
    if actor.role in (JOB, ADMIN) or actor.organisation_id == organisation_id:
        quota = MoneyServices(services()).quota(actor, organisation_id)
    quarters = HoursSummaries(services()).quarters(actor, organisation_id) if actor.role in (JOB, ADMIN) else []
    return render_template("company.html", company=company, placements=d.placements(actor, organisation_id),
                           quota=quota, hour_quarters=quarters, quarter_label=quarter_label, may_start=may_start, start_form=StartForm(), registry=services().registry,
                           workflow=COMPANY_TRAJECTORY)


@bp.route("/bedrijven/<int:organisation_id>/traject", methods=["POST"])
@roles_required(*REGISTRARS)
def start(organisation_id: int):
    actor = current_actor()
    _directory().company(actor, organisation_id)  # 404 for an employer the user may not see
    form = StartForm()
    if not form.validate_on_submit():
        flash("Het formulier is verlopen. Probeer het opnieuw.", "error")
        return redirect(url_for("companies.show", organisation_id=organisation_id))
    try:
        case = CompanyServices(services()).start_trajectory(actor, organisation_id, request_id=uuid.uuid4().hex)
    except (InvalidPayload, NotPermitted) as exc:
        message = " ".join(exc.errors.values()) if isinstance(exc, InvalidPayload) else exc.message
        flash(message, "error")
        return redirect(url_for("companies.show", organisation_id=organisation_id))
    flash("Het bedrijfstraject is gestart in fase Adviesgesprek.")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/kandidaten", methods=["GET", "POST"])
@roles_required(JOB)
def candidates():
    form = CandidateForm()
    status = 200
    if form.validate_on_submit():
        try:
            CompanyServices(services()).register_candidate(current_actor(), **form.payload())
        except InvalidPayload as exc:
            form.attach(exc)
            status = 422
        else:
            flash("De kandidaat is geregistreerd.")
            return redirect(url_for("companies.candidates"))
    elif form.is_submitted():
        status = 400
    return _render_candidates(form, status)


def _render_candidates(form: CandidateForm | None = None, status: int = 200):
    """The register with its filters (`?doelgroep=&register=&plan=`), sort and saved filters."""
    sort, descending = lists.sort_for("kandidaten")
    filters, errors = CandidateFilter.from_args(request.args)
    if errors:
        status = 400 if status == 200 else status
    rows = CandidateList(services()).rows(current_actor(), filters, sort, descending)
    return render_template("candidates.html", rows=rows, form=form or CandidateForm(formdata=None),
                           target_groups=TARGET_GROUPS, open_form=form is not None and form.is_submitted(),
                           filters=filters, filter_errors=errors, yes_no=YES_NO,
                           sort=sort, descending=descending), lists.status(status)


lists.register(lists.ListSpec("bedrijven", "companies.index", COMPANY_SORTS, "naam", render=_render_companies))
lists.register(lists.ListSpec("kandidaten", "companies.candidates", CANDIDATE_SORTS, "naam",
                              render=lambda: _render_candidates(), roles=(JOB,)))
