"""One small Flask-WTF form per plan action (CSRF on every POST).

The forms check only shape (lengths, required fields, with Dutch messages); what a value
means (dates in the plan year, known choices, hours within a day) is checked by
`PlanServices`, whose Dutch messages are put on the same fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Length, Optional

from webui.widgets import FastSelect
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, instruments, invra, plan_money
from workflows.domain.rules import SCHEDULE_SETTINGS
from workflows.usecases.plan_services import GOAL_OWNERS, GOAL_STATUSES, SKIP_REASONS

try:  # WTForms 3.3 declares options as SelectChoice; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    SelectChoice = None  # type: ignore[assignment,misc]

REQUIRED = "Dit veld is verplicht."


def option(value: str, label: str) -> Any:
    return SelectChoice(value=value, label=label) if SelectChoice is not None else (value, label)


def choices(pairs: list[tuple[str, str]]) -> list[Any]:
    return [option(v, t) for v, t in pairs]


def _choices(options: dict[str, str], blank: str | None = "— kies —") -> list[Any]:
    return choices(([("", blank)] if blank else []) + list(options.items()))


def _date(label: str, required: bool = True) -> StringField:
    """A date as `<input type="date">` (yyyy-mm-dd); the service says when it is not valid."""
    return StringField(label, validators=[DataRequired(REQUIRED)] if required else [Optional()],
                       render_kw={"type": "date"})


def _select(label: str, options: dict[str, str], blank: str | None = "— kies —") -> SelectField:
    # The service refuses unknown values with a Dutch message; WTForms' own is English.
    return SelectField(label, choices=_choices(options, blank), validate_choice=False, widget=FastSelect())


class PlanForm(FlaskForm):
    """Every plan form carries the case version it was shown with: a stale form is a 409."""

    expected_version = HiddenField()

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return get_translations(["nl"])


class EmptyForm(PlanForm):
    """Resume, close: nothing to fill in."""


class DocumentForm(PlanForm):
    function = StringField("Functie", validators=[Length(max=200)])
    contact_user_id = _select("Aanspreekpunt bij de werkgever", {}, blank="— geen —")
    coaching_need = TextAreaField("Begeleidingsbehoefte", validators=[Length(max=5000)])
    onboarding_programme = TextAreaField("Inwerkprogramma", validators=[Length(max=5000)])
    hours_distribution = TextAreaField("Verdeling van de begeleidingsuren", validators=[Length(max=5000)])


class GoalForm(PlanForm):
    specific = TextAreaField("Doel (specifiek)", validators=[DataRequired(REQUIRED), Length(max=1000)])
    measure = TextAreaField("Meetbaar: waaraan zie je dat het behaald is?",
                            validators=[DataRequired(REQUIRED), Length(max=1000)])
    target_date = _date("Streefdatum")
    owner = _select("Verantwoordelijk", GOAL_OWNERS)
    competence = _select("INVRA-competentie (optioneel)", {c.code: c.placeholder_label for c in invra.COMPETENCES},
                         blank="— geen —")


class GoalStatusForm(PlanForm):
    goal_id = HiddenField()
    status = _select("Status", GOAL_STATUSES, blank=None)


class ObservationForm(PlanForm):
    """Date, notes and a level per competence; the 38 level fields are added below."""

    observed_on = _date("Datum van de observatie")
    notes = TextAreaField("Aantekeningen", validators=[Length(max=5000)])

    def scores(self) -> dict[str, str]:
        return {c: getattr(self, f"c{c}").data for c in invra.CODES if getattr(self, f"c{c}").data}

    def level_fields(self) -> list[tuple[invra.Category, list[Any]]]:
        return [(cat, [getattr(self, f"c{n:02d}") for n in range(cat.first, cat.last + 1)])
                for cat in invra.CATEGORIES]


for _code in invra.CODES:
    setattr(ObservationForm, f"c{_code}", _select(f"Competentie {_code}", {"1": "1", "2": "2", "3": "3"},
                                                  blank="–"))


class EvaluationForm(PlanForm):
    """What was discussed; per goal a status (fields `goal_<id>` are added per plan)."""

    milestone = _select("Evaluatie", {})
    held_on = _date("Gehouden op")
    discussed = TextAreaField("Besproken", validators=[DataRequired(REQUIRED), Length(max=5000)])
    next_steps = TextAreaField("Vervolgafspraken", validators=[Length(max=5000)])
    interview_candidate = TextAreaField("Interview kandidaat (bij de INVRA-observatie)",
                                        validators=[Length(max=5000)])
    interview_harrie = TextAreaField("Interview Harrie (bij de INVRA-observatie)", validators=[Length(max=5000)])

    def goal_reviews(self) -> list[dict[str, Any]]:
        return [{"goal_id": int(name[5:]), "status": field.data}
                for name, field in self._fields.items() if name.startswith("goal_") and field.data]

    def goal_fields(self) -> list[Any]:
        return [field for name, field in self._fields.items() if name.startswith("goal_")]


def evaluation_form_class(goals: list[tuple[int, str]]) -> type[EvaluationForm]:
    """The evaluation form for a plan's goals: one optional status per goal."""
    fields = {f"goal_{gid}": _select(f"Status van doel: {text}", GOAL_STATUSES, blank="— niet besproken —")
              for gid, text in goals}
    return type("PlanEvaluationForm", (EvaluationForm,), fields)


class SkipForm(PlanForm):
    milestone = _select("Evaluatie", {})
    reason = _select("Reden", SKIP_REASONS)


class ContractForm(PlanForm):
    decision = _select("Besluit", {"ja": "Wel een contract", "nee": "Geen contract"})
    reason = _select("Reden (bij geen contract)", plan.NO_CONTRACT_REASONS)


class OfferForm(PlanForm):
    document = _select("Document", plan.DOCUMENTS, blank=None)


class SignForm(PlanForm):
    round = HiddenField()
    party = _select("Namens", plan.PARTIES, blank=None)
    signed_on = _date("Ondertekend op (leeg: vandaag)", required=False)


class ScheduleForm(PlanForm):
    pass


for _setting in SCHEDULE_SETTINGS:
    setattr(ScheduleForm, _setting.key, StringField(
        f"{_setting.label} ({_setting.unit}, {_setting.minimum}–{_setting.maximum})",
        validators=[Optional(), Length(max=4)], render_kw={"inputmode": "numeric"}))


class ReasonForm(PlanForm):
    reason = _select("Reden", {})


def pause_form(**kw: Any) -> ReasonForm:
    form = ReasonForm(**kw)
    form.reason.choices = _choices(plan.PAUSE_REASONS)
    return form


def stop_form(**kw: Any) -> ReasonForm:
    form = ReasonForm(**kw)
    form.reason.choices = _choices(plan.STOP_REASONS)
    return form


class HoursForm(PlanForm):
    worked_on = _date("Datum")
    hours = StringField("Uren (bijvoorbeeld 1,5)", validators=[DataRequired(REQUIRED), Length(max=8)],
                        render_kw={"inputmode": "decimal"})
    activity = _select("Activiteit", coaching.ACTIVITIES)
    note = TextAreaField("Toelichting (optioneel)", validators=[Length(max=coaching.MAX_NOTE)])


# -- money and rules (workflows.domain.plan_money) ------------------------------------------


class InstrumentForm(PlanForm):
    kind = _select("Instrument", instruments.KIND_LABELS)
    status = _select("Status", instruments.STATUSES)
    apply_by = _date(instruments.DATE_LABELS["apply_by"], required=False)
    applied_on = _date(instruments.DATE_LABELS["applied_on"], required=False)
    decided_on = _date(instruments.DATE_LABELS["decided_on"], required=False)
    starts_on = _date(instruments.DATE_LABELS["starts_on"], required=False)
    ends_on = _date(instruments.DATE_LABELS["ends_on"], required=False)
    amount_eur = StringField("Bedrag in euro (optioneel)", validators=[Optional(), Length(max=16)],
                             render_kw={"inputmode": "decimal"})


class PeriodForm(PlanForm):
    month = StringField("Maand (jjjj-mm)", validators=[DataRequired(REQUIRED), Length(max=7)],
                        render_kw={"type": "month"})


class WorkLevelForm(PlanForm):
    level = _select("Werkniveau", plan_money.WORK_LEVELS)
    since = _date("Sinds")


class TrainingForm(PlanForm):
    route = _select("Opleiding", plan_money.TRAINING_ROUTES)
    level = _select("BORIS-niveau (alleen bij BORIS)", plan_money.BORIS_LEVELS, blank="— geen —")
    status = _select("Stand", plan_money.TRAINING_STATUSES)
    on = _date("Datum")
