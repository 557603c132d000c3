"""One small form per company-trajectory action: exactly the fields its `clean_*` accepts.

The forms only *carry* input: they turn what was typed into the payload shape the
workflow's cleaner expects (lists from one-per-line text, numbers, yes/no) and leave every
check to that cleaner, so the rules live in one place (`workflows.domain.company_records`) and its
Dutch messages come back next to the right field. `ACTION_FORMS` maps trigger -> form class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from webui.widgets import FastSelect

try:  # WTForms >= 3.3 wants option objects; older versions take (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None  # type: ignore[assignment,misc]

from workflows.domain import invra
from workflows.domain.company_records import (
    MEETING_PARTIES,
    NO_TASKS,
    REJECTION_REASONS,
    STOP_REASONS,
    SUPPORT_LEVELS,
)


def options(pairs: Any) -> list[Any]:
    """(value, label) pairs as the installed WTForms wants them."""
    pairs = [(str(v), str(label)) for v, label in pairs]
    return [SelectChoice(v, label) for v, label in pairs] if SelectChoice else pairs


# -- fields that know their payload value ---------------------------------------------------------


class Payload:
    """Mixin: `payload_value()` is what goes to the cleaner; None means 'left empty' (cleared)."""

    def payload_value(self) -> Any:
        value = self.data  # type: ignore[attr-defined]
        if isinstance(value, str):
            value = value.strip()
        return value if value not in (None, "", []) else None


class Text(Payload, StringField):
    pass


class LongText(Payload, TextAreaField):
    pass


class IsoDate(Payload, StringField):
    """A native date picker; the cleaner checks the YYYY-MM-DD value."""

    def __init__(self, label: str = "", **kw: Any) -> None:
        super().__init__(label, render_kw={"type": "date"}, **kw)


class Number(Payload, StringField):
    """Hours and the like; a comma is read as a decimal point. Anything else goes to the
    cleaner as typed, which answers in Dutch."""

    def __init__(self, label: str = "", **kw: Any) -> None:
        super().__init__(label, render_kw={"inputmode": "decimal"}, **kw)

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def payload_value(self) -> Any:
        raw = super().payload_value()
        if raw is None or isinstance(raw, int | float):
            return raw
        try:
            number = float(str(raw).replace(",", "."))
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number


class Lines(Payload, TextAreaField):
    """A list of short texts, one per line."""

    def _value(self) -> str:
        if isinstance(self.data, list):
            return "\n".join(str(v) for v in self.data)
        return self.data or ""

    def payload_value(self) -> Any:
        text = self._value()
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return items or None


class Choice(Payload, SelectField):
    widget = FastSelect()

    def __init__(self, label: str = "", choices: dict[str, str] | None = None, *, blank: str = "— kies —",
                 **kw: Any) -> None:
        super().__init__(label, choices=options([("", blank), *(choices or {}).items()]), validate_choice=False, **kw)


class RowChoice(Choice):
    """A select of rows (candidates, Harries) filled per request; the value is the row id."""

    def payload_value(self) -> Any:
        raw = super().payload_value()
        return int(raw) if isinstance(raw, str) and raw.isdigit() else raw


class Checkboxes(Payload, SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    empty = ""  # what the form says when there is nothing to choose from (and why)

    def __init__(self, label: str = "", choices: dict[str, str] | None = None, *, numbers: bool = False,
                 **kw: Any) -> None:
        super().__init__(label, choices=options((choices or {}).items()), validate_choice=False, **kw)
        self.numbers = numbers

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value] if value else []

    def payload_value(self) -> Any:
        values = list(self.data or [])
        if self.numbers:
            return [int(v) if str(v).isdigit() else v for v in values]
        return values or None


class YesNo(Payload, RadioField):
    def __init__(self, label: str = "", **kw: Any) -> None:
        super().__init__(label, choices=options([("ja", "Ja"), ("nee", "Nee")]), validate_choice=False, **kw)

    def process_data(self, value: Any) -> None:
        self.data = {True: "ja", False: "nee"}.get(value, value)

    def payload_value(self) -> Any:
        return {"ja": True, "nee": False}.get(self.data or "")


class Check(Payload, BooleanField):
    def payload_value(self) -> Any:
        return bool(self.data)


class Rows(Payload, FieldList):
    """A short list of small records (departments, tasks); empty rows are skipped."""

    def payload_value(self) -> Any:
        rows = []
        for entry in self.entries:
            row = {k: v.strip() for k, v in (entry.data or {}).items() if isinstance(v, str) and v.strip()}
            if row:
                rows.append(row)
        return rows or None


# -- records inside lists -------------------------------------------------------------------------


class DepartmentRow(Form):
    name = StringField("Afdeling")
    possibilities = StringField("Mogelijkheden")


class AnalysedRow(Form):
    name = StringField("Afdeling")
    processes = StringField("Werkprocessen en functies")


class TaskRow(Form):
    title = StringField("Taak")
    department = SelectField("Afdeling", choices=options([("", "— geen —")]), validate_choice=False,
                             widget=FastSelect())
    description = StringField("Toelichting")


# -- the action forms -----------------------------------------------------------------------------


@dataclass
class Choices:
    """What a form's selects offer for this case and this user (filled by the view)."""

    candidates_to_propose: list[tuple[int, str]] = field(default_factory=list)
    open_candidates: list[tuple[int, str]] = field(default_factory=list)
    harries: list[tuple[int, str]] = field(default_factory=list)
    analysis_tasks: list[tuple[int, str]] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # company_records.known_departments


class ActionForm(FlaskForm):
    """Base: the case version the user saw (stale edits are refused) and an optional reason."""

    expected_version = HiddenField()
    why = TextAreaField("Reden of toelichting")

    payload_fields: tuple[str, ...] = ()
    reason: str | None = None  # None: no reason field; "optional" or "required" (set per trigger)
    submit: str = "Opslaan"  # the button of a data form; phase changes use the action's label
    row_lists: tuple[str, ...] = ()  # FieldLists that get blank rows to fill in

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.field_errors: dict[str, str] = {}
        self.error: str | None = None

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        """Values to show before anything is typed: what the case recorded earlier."""
        return {}

    def setup(self, choices: Choices) -> None:
        """Fill selects whose options depend on the case and the user."""

    def payload(self) -> dict[str, Any]:
        """Every field the form shows, an emptied one as None: the cleaner clears it, or refuses
        it with a Dutch reason when it is required (`workflows.domain.payload_form.Form`)."""
        return {name: self[name].payload_value() for name in self.payload_fields}

    def add_blank_rows(self, n: int = 2) -> None:
        for name in self.row_lists:
            for _ in range(n):
                self[name].append_entry()

    def visible_fields(self) -> list[Any]:
        return [self[n] for n in self.payload_fields]


def _rows(row: type[Form], label: str) -> Rows:
    return Rows(FormField(row), label=label, min_entries=1, max_entries=50)


class AdvisoryMeetingForm(ActionForm):
    date = IsoDate("Datum adviesgesprek (gepland of gehouden)")
    participants = Checkboxes("Aanwezig", MEETING_PARTIES)
    departments = _rows(DepartmentRow, "Mogelijkheden per afdeling")
    support = Choice("Draagvlak in het bedrijf", SUPPORT_LEVELS)
    notes = LongText("Aantekeningen")
    payload_fields = ("date", "participants", "departments", "support", "notes")
    row_lists = ("departments",)

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        return dict(data.get("advisory_meeting") or {})


class CompanyAnalysisForm(ActionForm):
    departments = _rows(AnalysedRow, "Geanalyseerde afdelingen")
    tasks = _rows(TaskRow, "Taken die iemand met een arbeidsbeperking kan doen")
    notes = LongText("Aantekeningen")
    payload_fields = ("departments", "tasks", "notes")
    row_lists = ("departments", "tasks")

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        analysis = dict(data.get("analysis") or {})
        analysis["tasks"] = [{k: v for k, v in t.items() if k != "nr"} for t in analysis.get("tasks", [])]
        return analysis

    def setup(self, choices: Choices) -> None:
        """A task's department is chosen from the departments recorded (the rule:
        `company_records.known_departments`); a value typed before stays selectable."""
        for entry in self.tasks:
            select = entry.form.department
            names = [*choices.departments, *([select.data] if select.data and select.data not in
                                                choices.departments else [])]
            select.choices = options([("", "— geen —"), *((n, n) for n in names)])


class ClosingMeetingForm(ActionForm):
    date = IsoDate("Datum eindgesprek")
    chosen_tasks = Checkboxes("Gekozen taken voor de vacature", numbers=True)
    notes = LongText("Aantekeningen")
    payload_fields = ("date", "chosen_tasks", "notes")

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        return dict(data.get("closing_meeting") or {})

    def setup(self, choices: Choices) -> None:
        self.chosen_tasks.choices = options((nr, f"{nr}. {title}") for nr, title in choices.analysis_tasks)


class VacancyForm(ActionForm):
    title = Text("Functie")
    hours_per_week = Number("Uren per week")
    location = Text("Standplaats")
    tasks = Checkboxes("Taken (uit de bedrijfsanalyse)")
    description = LongText("Omschrijving")
    payload_fields = ("title", "hours_per_week", "location", "tasks", "description")

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        """The vacancy as recorded; a first one starts with the tasks chosen at the eindgesprek."""
        vacancy = dict(data.get("vacancy") or {})
        if "tasks" not in vacancy:
            titles = {t["nr"]: t["title"] for t in (data.get("analysis") or {}).get("tasks", [])}
            vacancy["tasks"] = [titles[n] for n in (data.get("closing_meeting") or {}).get("chosen_tasks", [])
                                if n in titles]
        return vacancy

    def setup(self, choices: Choices) -> None:
        """The tasks the bedrijfsanalyse recorded (`company_records.analysed_tasks`), not free text."""
        self.tasks.choices = options((title, title) for _, title in choices.analysis_tasks)
        self.tasks.empty = NO_TASKS


LEVEL_OPTIONS = {"1": "Niveau 1", "2": "Niveau 2", "3": "Niveau 3"}


class WorkplaceProfileForm(ActionForm):
    """The 38 INVRA competences, each a select of level 1-3, grouped by category."""

    payload_fields = ("levels",)

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        return {f"c{code}": str(level) for code, level in (data.get("workplace_profile") or {}).items()}

    def visible_fields(self) -> list[Any]:
        return [self[f"c{code}"] for code in invra.CODES]

    def groups(self) -> list[tuple[str, list[Any]]]:
        return [(cat.label, [self[f"c{n:02d}"] for n in range(cat.first, cat.last + 1)])
                for cat in invra.CATEGORIES]

    def payload(self) -> dict[str, Any]:
        levels: dict[str, Any] = {}
        for code in invra.CODES:
            raw = (self[f"c{code}"].data or "").strip()
            if raw:
                levels[code] = int(raw) if raw.isdigit() else raw
        return {"levels": levels} if levels else {}


for _code, _label in invra.labels().items():
    setattr(WorkplaceProfileForm, f"c{_code}", Choice(_label, LEVEL_OPTIONS, blank="—"))


class ProposeCandidateForm(ActionForm):
    candidate_id = RowChoice("Kandidaat")
    payload_fields = ("candidate_id",)
    submit = "Voorstellen"

    def setup(self, choices: Choices) -> None:
        self.candidate_id.choices = options([("", "— kies een kandidaat —"), *choices.candidates_to_propose])


class HarrieForm(ActionForm):
    harrie_user_id = RowChoice("Harrie (dagelijks begeleider)")
    payload_fields = ("harrie_user_id",)

    @staticmethod
    def initial(data: dict[str, Any]) -> dict[str, Any]:
        return {"harrie_user_id": str(data["harrie_user_id"])} if data.get("harrie_user_id") else {}

    def setup(self, choices: Choices) -> None:
        self.harrie_user_id.choices = options([("", "— kies een collega —"), *choices.harries])


class _OpenCandidate(ActionForm):
    candidate_id = RowChoice("Kandidaat")

    def setup(self, choices: Choices) -> None:
        self.candidate_id.choices = options([("", "— kies een kandidaat —"), *choices.open_candidates])


class InterviewForm(_OpenCandidate):
    date = IsoDate("Datum sollicitatiegesprek")
    harrie_present = Check("Harrie was bij het gesprek")
    payload_fields = ("candidate_id", "date", "harrie_present")


class HireForm(_OpenCandidate):
    start_date = IsoDate("Startdatum")
    contract_hours = Number("Contracturen per week")
    fulltime = YesNo("Voltijdcontract?")
    payload_fields = ("candidate_id", "start_date", "contract_hours", "fulltime")
    submit = "Aannemen en trajectplan starten"


class RejectForm(_OpenCandidate):
    reason = Choice("Reden", REJECTION_REASONS)
    payload_fields = ("candidate_id", "reason")
    submit = "Niet aangenomen vastleggen"


class StopForm(ActionForm):
    reason = Choice("Reden", STOP_REASONS)
    explanation = LongText("Toelichting (verplicht bij 'Anders')")
    payload_fields = ("reason", "explanation")


class NoFieldsForm(ActionForm):
    """Phase changes that carry no data: a button, and a reason where the transition asks one."""


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "record_advisory_meeting": AdvisoryMeetingForm,
    "decline_company_analysis": StopForm,
    "record_company_analysis": CompanyAnalysisForm,
    "record_closing_meeting": ClosingMeetingForm,
    "record_vacancy": VacancyForm,
    "record_workplace_profile": WorkplaceProfileForm,
    "propose_candidate": ProposeCandidateForm,
    "name_harrie": HarrieForm,
    "record_interview": InterviewForm,
    "hire_candidate": HireForm,
    "reject_candidate": RejectForm,
    "stop": StopForm,
}


def form_class(trigger: str) -> type[ActionForm]:
    return ACTION_FORMS.get(trigger, NoFieldsForm)

