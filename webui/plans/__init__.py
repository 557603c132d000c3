"""The candidate plan pages: the year as a timeline, goals, evaluations, INVRA, coaching hours.

An overview per plan (`/plannen/<case id>`, at most three screens: status, the year, what is due
now, a summary per section) and a page per section (`/plannen/<case id>/<section>`,
`webui.plans.sections`) holding that section's figures and forms; one small POST form per declared action
(`workflows.domain.plan_actions`). Views are thin: form -> payload -> `Services.perform` (the one
write path; the version the form was read at is checked inside its transaction) -> an
`EngineError` becomes a message on the re-shown form (422; a stale form 409; an unknown or
invisible plan 404) -> redirect (post/redirect/get). What a role may do, and why not, comes
from `Services.actions_for`, which reads the same declaration the write path enforces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.errors import CaseNotFound, EngineError, InvalidPayload, StaleCase
from engine.perform import ActionOption
from engine.spec import Actor
from engine.store.models import User
from webui import svg_charts as charts
from webui.auth import current_actor, login_required
from webui.cases import overview_extras
from webui.extensions import services
from webui.plans import forms as f
from webui.plans.form_payloads import FORMS, IRREVERSIBLE
from webui.plans.sections import SECTIONS, TITLES, section_of
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, hours_periods, invra, plan_money
from workflows.domain.plan_actions import hidden_fields
from workflows.domain.roles import HARRIE, OPDRACHTGEVER
from workflows.usecases.money_services import MoneyServices
from workflows.usecases.plan_services import GOAL_STATUSES, PlanOverview, PlanServices

bp = Blueprint("plans", __name__, url_prefix="/plannen")

SHORT_PHASE = {"inwerken": "Inwerken", "afbouw": "Afbouw", "invra_observatie": "Maand 2",
               "actieplan": "Maand 3", "vervolg": "Vervolg (maand 3-12)", "afsluiting": "Maand 12"}
PLAN_STATUS = {"gepauzeerd": "gepauzeerd", "afgerond": "afgerond", "gestopt": "gestopt",
               "geen_contract": "gestopt (geen contract)"}


def plan_services() -> PlanServices:
    return PlanServices(services())


# -- the page ------------------------------------------------------------------------------


@dataclass
class Page:
    """Everything the template needs, read through the services with the user's actor."""

    actor: Actor
    case_id: int
    version: int
    overview: PlanOverview
    options: dict[str, ActionOption]
    today: date
    pending: list[Any]  # timeline entries of evaluations that are open or late
    signable: list[str]  # parties this user may sign for now
    organisation_id: int | None
    forms: dict[str, f.PlanForm] = field(default_factory=dict)
    _contacts: list[tuple[int, str]] | None = None

    def contacts(self) -> list[tuple[int, str]]:
        """The employer's people the plan's contact may be chosen from: read only by the page whose
        form asks (the document's section), not by every plan page."""
        if self._contacts is None:
            self._contacts = []
            if "update_plan" in self.options:
                with services().db.read() as s:
                    self._contacts = [(u.id, u.name) for u in s.scalars(
                        select(User).where(User.organisation_id == self.organisation_id, User.active.is_(True),
                                           User.role.in_((OPDRACHTGEVER, HARRIE))).order_by(User.name))]
        return self._contacts

    def may(self, trigger: str) -> bool:
        return trigger in self.options

    def allowed(self, trigger: str) -> bool:
        return trigger in self.options and self.options[trigger].allowed

    def why_not(self, trigger: str) -> str | None:
        option = self.options.get(trigger)
        return option.reason if option is not None and not option.allowed else None


def _page(case_id: int) -> Page:
    actor = current_actor()
    svc = services()
    plans = plan_services()
    case = svc.get_case(actor, case_id)  # CaseNotFound -> 404 for unknown and invisible cases
    if case.workflow != plan.NAME:
        abort(404)
    overview = plans.plan_overview(actor, case_id)
    pending = [e for e in overview.timeline if e.kind == plan.EVALUATION and e.status in ("open", "te_laat")]
    signoff = overview.signoff
    signable = [p for p in signoff.missing if signoff.round and plan.SIGNED_BY_ROLE[p] == actor.role]
    payloads: dict[str, dict[str, Any]] = {}
    if pending:
        payloads["record_evaluation"] = payloads["skip_evaluation"] = {"milestone": pending[0].key}
    if signable:
        payloads["sign"] = {"party": signable[0]}
    options = {o.name: o for o in svc.actions_for(actor, case_id, payloads)}
    if not signable:
        options.pop("sign", None)  # nothing to sign for this role: no form, no puzzling reason
    today = svc.clock.now().astimezone(plan.AMSTERDAM).date()
    return Page(actor, case_id, case.version, overview, options, today, pending, signable, case.organisation_id)


def _charts(page: Page, section: str | None = None) -> dict[str, Any]:
    """The pictures the overview (`section` None) or one section page shows; no other."""
    o = page.overview
    obs = o.invra.observations
    person = obs[-1].scores if obs else None
    earlier = obs[0].scores if len(obs) > 1 else None  # growth since the first observation
    loaded = loaded_labels(o)
    out: dict[str, Any] = {"timeline_svg": None, "radar_svg": None, "radar_rows": [], "gauges": [],
                           "person": person, "earlier": earlier, "loaded_labels": loaded}
    if section in (None, "tijdlijn"):
        out["timeline_svg"] = _timeline(page)
    if section in (None, "invra"):
        out["radar_svg"] = charts.invra_radar(
            o.invra.workplace, person, earlier, labels=loaded,
            person_label=f"Persoonsprofiel {_nl(obs[-1].observed_on)}" if obs else "Persoonsprofiel",
            earlier_label=f"Eerste observatie {_nl(obs[0].observed_on)}" if earlier else "Eerste observatie",
            title=f"INVRA-radar van {o.candidate_name}: werkplekprofiel en persoonsprofiel")
    if section == "invra":
        out["radar_rows"] = charts.radar_rows(o.invra.workplace, person, earlier, o.invra.labels)
    if section == "uren":
        year = o.hours.years[0]
        out["gauges"] = [
            charts.hours_gauge(year.budget.used, year.budget.cap, status=year.budget.status,
                               caption=f"Begeleidingsuren jaar {year.year} tegen het UWV-maximum", id_="meter-jaar"),
            charts.hours_gauge(o.hours.onboarding.used, o.hours.onboarding.cap, status=o.hours.onboarding.status,
                               caption="Begeleidingsuren week 1-2 (inwerken)", id_="meter-inwerken"),
        ]
    return out


def _timeline(page: Page) -> Any:
    o = page.overview
    bands = [charts.Band(SHORT_PHASE.get(p.state, p.label), p.starts_on, p.ends_on or o.end_date, p.current)
             for p in o.phases if p.starts_on is not None]
    bands.append(charts.Band("Proefplaatsing", o.start_date, o.hours.proefplaatsing_end, row=1))
    if o.paused_since is not None:
        bands.append(charts.Band(f"Gepauzeerd sinds {_nl(o.paused_since)}", o.paused_since,
                                 max(page.today, o.paused_since + timedelta(days=1)), row=1, kind="pause"))
    markers = [charts.Marker(i, e.label, e.due_on, e.status, e.status_label) for i, e in enumerate(o.timeline, 1)]
    return charts.plan_timeline(o.start_date, o.end_date, bands, markers, page.today,
                                title=f"Tijdlijn van het planjaar van {o.candidate_name}")


def loaded_labels(o: PlanOverview) -> dict[str, str]:
    """The organisation's own INVRA labels (licensed); without them only numbers are shown."""
    return {c.code: o.invra.labels[c.code] for c in invra.COMPETENCES
            if o.invra.labels.get(c.code) not in (None, c.placeholder_label)}


def _nl(day: date) -> str:
    return coaching.nl_date(day)


def _render(page: Page, status: int = 200, error: str | None = None, failed: str | None = None,
            section: str | None = None):
    """The overview (`section` None) or one section page. Each reads only what it shows."""
    if failed is not None and not _form_shown(page, failed):
        failed = None  # the message goes above the page when the form itself is not on it
    plans = plan_services()
    svc = services()
    for name in FORMS:  # only this page's forms: the overview shows none (each is on its section page)
        if name not in page.forms and section is not None and section_of(name) == section:
            page.forms[name] = _make_form(name, page, bound=False)
    case = svc.get_case(page.actor, page.case_id)
    hidden = hidden_fields(page.actor.role)
    money = MoneyServices(svc)
    o = page.overview
    ctx: dict[str, Any] = {}
    if section in (None, "uren"):
        rules = plans.coaching_rules()
        ctx.update(hours_log=plans.hours_log(page.actor, page.case_id), rules=rules, uwv_share=rules.uwv_share(1))
    if section == "uren" and "invoiced" not in hidden:
        ctx["statements"] = money.statements(page.actor, page.case_id)
    if section in (None, "instrumenten"):
        ctx["instrument_lines"] = money.instruments(page.actor, page.case_id)
    if section is None:
        ctx.update(overview_extras(page.actor, case), tasks=[t for t in svc.case_tasks(page.actor, page.case_id)
                                                         if t.status == "open"])
        month = page.today.strftime("%Y-%m")
        ctx["month_hours"] = sum((h.hours for h in ctx["hours_log"] if h.worked_on.isoformat()[:7] == month),
                                 Decimal(0))
    template = "plan.html" if section is None else "plan_section.html"
    return render_template(
        template, page=page, o=o, forms=page.forms, error=error, failed=failed, section=section,
        section_title=TITLES.get(section or "", ""), sections=SECTIONS,
        plan_status=PLAN_STATUS.get(o.state, "lopend"), case=case, hidden=hidden,
        goal_text={g.id: g.specific for g in o.goals}, goal_statuses=GOAL_STATUSES,
        last_day=o.end_date - timedelta(days=1), **_charts(page, section),
        work_levels=plan_money.WORK_LEVELS, training_routes=plan_money.TRAINING_ROUTES,
        boris_levels=plan_money.BORIS_LEVELS, training_statuses=plan_money.TRAINING_STATUSES,
        plan_data=case.data, **ctx,
    ), status


@bp.route("/<int:case_id>")
@login_required
def show(case_id: int):
    """The overview: status, the year, what is due now and a short summary per section."""
    return _render(_page(case_id))


@bp.route("/<int:case_id>/<section>")
@login_required
def section(case_id: int, section: str):
    """One section of the plan; a form's own address (after a refused POST) leads to its section."""
    if section not in SECTIONS:
        if section in FORMS:
            return redirect(url_for("plans.section", case_id=case_id, section=section_of(section)))
        abort(404)
    return _render(_page(case_id), section=section)


def _form_shown(page: Page, name: str) -> bool:
    """Mirrors the template: a form is on the page when one of its triggers is possible now."""
    if name == "doelstatus":
        return True  # its message is shown with the goal or above the goals
    if name in ("evaluatie", "overslaan") and not page.pending:
        return False
    return any(page.allowed(t) for t in FORMS[name].actions)


def _make_form(name: str, page: Page, *, bound: bool) -> f.PlanForm:
    """A form for `name`: bound to the POST, or fresh with today's defaults for the page."""
    action = FORMS[name]
    o = page.overview
    factory: Callable[..., f.PlanForm] = action.form
    if name == "evaluatie":
        factory = f.evaluation_form_class([(g.id, g.specific) for g in o.goals if g.status == "open"
                                           or g.status == "deels"])
    kw: dict[str, Any] = {"prefix": name}
    if not bound:
        today = page.today.isoformat()
        kw.update(formdata=None, expected_version=str(page.version))
        kw.update({"observatie": {"observed_on": today}, "evaluatie": {"held_on": today},
                   "uren": {"worked_on": today}, "tekenen": {"round": str(o.signoff.round or "")},
                   "document": {"function": o.function, "coaching_need": o.coaching_need,
                                "onboarding_programme": o.onboarding_programme,
                                "hours_distribution": o.hours_distribution}}.get(name, {}))
    return _dress(factory(**kw), name, page, bound=bound)


def _posted_form(name: str) -> f.PlanForm:
    """The POSTed form, built without reading the plan (the action checks every value itself)."""
    factory: Callable[..., f.PlanForm] = FORMS[name].form
    if name == "evaluatie":  # one status field per goal the page showed: their ids come with the POST
        prefix = "evaluatie-goal_"
        ids = sorted({int(k[len(prefix):]) for k in request.form if k.startswith(prefix) and k[len(prefix):].isdigit()})
        factory = f.evaluation_form_class([(i, "") for i in ids])
    return factory(prefix=name)


def _dress(form: f.PlanForm, name: str, page: Page, *, bound: bool) -> f.PlanForm:
    """The choices and labels that come from the plan (milestones open now, parties, INVRA labels)."""
    o = page.overview
    if name == "evaluatie":
        for g in o.goals:
            field_ = form._fields.get(f"goal_{g.id}")
            if field_ is not None:
                field_.label.text = f"Status van doel: {g.specific}"
    if name in ("evaluatie", "overslaan"):
        form.milestone.choices = f.choices([("", "— kies —")] + [
            (e.key, f"{e.label} (uiterlijk {_nl(e.due_on)})") for e in page.pending])
    if name == "tekenen":
        form.party.choices = f.choices([(p, plan.PARTIES[p]) for p in page.signable])
    if name in ("observatie", "doel"):
        labels = loaded_labels(o)
        if name == "observatie":
            for code, text in labels.items():
                form[f"c{code}"].label.text = f"{code} {text}"
        else:
            form.competence.choices = f.choices([("", "— geen —")] + [
                (c.code, f"{c.code} {labels.get(c.code, '')}".strip() if c.code in labels else c.placeholder_label)
                for c in invra.COMPETENCES])
    if name == "document":
        form.contact_user_id.choices = f.choices([("", "— geen —")] + [(str(i), n) for i, n in page.contacts()])
        if not bound and o.contact_name:
            form.contact_user_id.data = next((str(i) for i, n in page.contacts() if n == o.contact_name), "")
    return form


def _apply_errors(form: f.PlanForm, errors: dict[str, str], aliases: dict[str, str]) -> None:
    """Put each service message on its field; messages without a field go above the form."""
    for key, message in errors.items():
        name = aliases.get(key, key)
        if name.isdigit():
            name = f"c{name}"
        target = form._fields.get(name)
        if target is not None and name not in ("csrf_token", "expected_version"):
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


@bp.route("/<int:case_id>/<name>", methods=["POST"])
@login_required
def act(case_id: int, name: str):
    action = FORMS.get(name)
    if action is None:
        abort(404)
    actor = current_actor()
    form = _posted_form(name)
    if not form.validate_on_submit():
        return _refused(case_id, name, form, 422, "Het formulier is niet goed ingevuld.")
    try:  # one write transaction: the plan is read, checked and changed inside it (no reads before)
        chosen, payload = action.payload(form)
        if chosen in IRREVERSIBLE:  # never in one click: its own page asks for confirmation
            return redirect(url_for("actions.page", case_id=case_id, name=chosen), 303)
        seen = form.expected_version.data
        done = services().perform(actor, case_id, chosen, payload, workflow=plan.NAME,
                                  expected_version=int(seen) if seen and seen.isdigit() else None)
    except StaleCase as exc:
        return _refused(case_id, name, form, 409, exc.message, fresh_version=True)
    except EngineError as exc:
        if isinstance(exc, CaseNotFound):
            raise
        if isinstance(exc, InvalidPayload):
            _apply_errors(form, exc.errors, action.aliases)
        status = 403 if exc.code == "not_permitted" else 422
        return _refused(case_id, name, form, status, exc.message,
                        not_now=exc.code == "transition_not_allowed")
    message = action.done
    if chosen == "log_hours" and done.result:
        for warning in done.result[2]:
            flash(warning, "warning")
    flash(message)
    return redirect(url_for("plans.section", case_id=case_id, section=section_of(name), _anchor=action.anchor))


def _refused(case_id: int, name: str, form: f.PlanForm, status: int, message: str, *,
             fresh_version: bool = False, not_now: bool = False):
    """Show the page again with the refused form, its input kept and its errors on its fields."""
    page = _page(case_id)  # an unknown or invisible plan is a 404 here too
    _dress(form, name, page, bound=True)
    if fresh_version:  # the input is kept; sending it again is on purpose
        form.expected_version.data = str(page.version)
    if not_now:  # the engine's message names actions by their code
        message = f"Deze actie is niet mogelijk in de fase '{page.overview.state_label}'."
    page.forms[name] = form
    return _render(page, status, message, name, section=section_of(name))


@bp.route("/<int:case_id>/uren/<month>.csv")
@login_required
def statement_csv(case_id: int, month: str):
    """The month's hours statement for UWV or the employer (the same figures as the page)."""
    if hours_periods.parse_month(month) != month or "invoiced" in hidden_fields(current_actor().role):
        abort(404)  # JoB's money is not for the employer's side (plan_actions.PLAN_FIGURES)
    try:
        st, candidate, employer = MoneyServices(services()).statement(current_actor(), case_id, month)
    except EngineError:
        abort(404)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(
        hours_periods.csv_rows(st, candidate=candidate, employer=employer))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="urenverantwoording-{case_id}-{month}.csv"',
        "Cache-Control": "no-store"})


# -- money and numbers the Dutch way ---------------------------------------------------------------


@bp.app_template_filter("euro")
def euro(value: Decimal | float | int) -> str:
    """1234.5 -> '€ 1.234,50'."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = f"{amount:,.2f}".split(".")
    return f"€ {whole.replace(',', '.')},{cents}"


@bp.app_template_filter("uren")
def uren(value: Decimal | float | int) -> str:
    return coaching.fmt_hours(Decimal(str(value)))


@bp.app_template_filter("procent")
def procent(value: Decimal | float) -> str:
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(
        ".").replace(".", ",") + "%"
