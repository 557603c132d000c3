"""Instruments of the Participatiewet per placement (seed "kennismaking JoB", DOMAIN.md §4).

Read it as a table: each instrument with who applies for it (and so gets the task before the
application deadline) and whether it has an amount. Each instrument of a plan has a status
(not applicable -> to apply for -> applied -> granted / refused -> ended) and the dates that
matter. The plan keeps, per instrument, only the status and dates (categories, no text) in
its data, so timers and standing tasks can follow them; the row with the amount lives in
`workflows.storage.money_models`.

A deadline opens its task `notice_days` (the plan's own schedule setting) before the date;
the task closes when the instrument is applied for (or no longer needed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from workflows.domain.roles import JOB, OPDRACHTGEVER
from workflows.domain.rules import CoachingRules, add_months


@dataclass(frozen=True)
class InstrumentKind:
    key: str
    label: str
    meaning: str  # the seed's one-line description
    applicant: str  # the role that applies for it (gets the deadline's task)
    has_amount: bool


KINDS: tuple[InstrumentKind, ...] = (
    InstrumentKind("mobiliteitsbonus", "Mobiliteitsbonus", "Korting op premies werknemersverzekeringen",
                   OPDRACHTGEVER, True),
    InstrumentKind("no_riskpolis", "No-riskpolis", "Geen loondoorbetaling bij ziekte werknemer", JOB, False),
    InstrumentKind("loonkostensubsidie", "Loonkostensubsidie", "Compensatie lagere loonwaarde van de werknemer",
                   OPDRACHTGEVER, True),
    InstrumentKind("jobcoach", "Jobcoach / subsidie interne jobcoach", "Vergoeding van de jobcoaching", JOB, True),
    InstrumentKind("werkplekvoorzieningen", "Werkplekvoorzieningen",
                   "Kostenvergoeding noodzakelijke aanpassing werkplek", OPDRACHTGEVER, True),
    InstrumentKind("proefplaatsing", "Proefplaatsing", "Plaatsing met behoud van uitkering (2 tot 6 maanden)",
                   JOB, False),
)
KIND_BY_KEY = {k.key: k for k in KINDS}
KIND_LABELS = {k.key: k.label for k in KINDS}

NVT, TO_APPLY, APPLIED, GRANTED, REFUSED, ENDED = (
    "nvt", "aan_te_vragen", "aangevraagd", "toegekend", "afgewezen", "beeindigd")
STATUSES: dict[str, str] = {NVT: "Niet van toepassing", TO_APPLY: "Aan te vragen", APPLIED: "Aangevraagd",
                            GRANTED: "Toegekend", REFUSED: "Afgewezen", ENDED: "Beëindigd"}
DATE_FIELDS = ("apply_by", "applied_on", "decided_on", "starts_on", "ends_on")
DATE_LABELS = {"apply_by": "Aanvragen uiterlijk", "applied_on": "Aangevraagd op", "decided_on": "Besluit op",
               "starts_on": "Ingangsdatum", "ends_on": "Einddatum"}
REQUIRED_BY_STATUS: dict[str, tuple[str, ...]] = {
    TO_APPLY: ("apply_by",), APPLIED: ("applied_on",), GRANTED: ("decided_on", "starts_on"),
    REFUSED: ("decided_on",), ENDED: ("ends_on",),
}


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def check_change(change: Mapping[str, Any], rules: CoachingRules) -> dict[str, str]:
    """The Dutch message per field for an instrument's new status and dates ({} when fine)."""
    errors: dict[str, str] = {}
    kind = KIND_BY_KEY[change["kind"]]
    status = change["status"]
    for key in REQUIRED_BY_STATUS.get(status, ()):
        if not change.get(key):
            errors[key] = f"Vul '{DATE_LABELS[key]}' in bij de status '{STATUSES[status].lower()}'."
    applied, decided = _d(change.get("applied_on")), _d(change.get("decided_on"))
    starts, ends = _d(change.get("starts_on")), _d(change.get("ends_on"))
    if applied and decided and decided < applied:
        errors["decided_on"] = "Het besluit kan niet voor de aanvraag liggen."
    if starts and ends and ends < starts:
        errors["ends_on"] = "De einddatum ligt voor de ingangsdatum."
    if change.get("amount_eur") is not None and not kind.has_amount:
        errors["amount_eur"] = f"Bij {kind.label.lower()} hoort geen bedrag."
    if kind.key == "proefplaatsing" and starts and ends:
        longest = add_months(starts, int(rules.proefplaatsing_max_months))
        if ends > longest:
            errors["ends_on"] = (f"Een proefplaatsing duurt ten hoogste {int(rules.proefplaatsing_max_months)} "
                                 "maanden (instelling).")
    return errors


# -- the dates that open a task: one row per deadline -------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A date of an instrument that opens a task once (a timer waits for it).

    The task is open while the instrument has `status` and the task was opened; it opens on
    the plan's date `opens` (minus the plan's `notice_days` when `notice`), is due on `due`
    (or `notice_days` after it opened when `due` is empty), is for `role` (None: the role
    that applies for the instrument) and closes when the instrument's status changes.
    `mark` is where the plan notes the day it opened, so it opens once; a moved date opens
    it again at the new date.
    """

    key: str
    status: str
    opens: str
    due: str
    title: str
    role: str | None
    mark: str
    notice: bool = False


DEADLINES: tuple[Deadline, ...] = (
    Deadline("apply", TO_APPLY, "apply_by", "apply_by", "{label} aanvragen", None, "opened_on", notice=True),
    Deadline("decision", APPLIED, "decision_due", "", "Besluit over {label} navragen (beslistermijn verstreken)",
             JOB, "decision_opened_on"),
    Deadline("end", GRANTED, "end_task_on", "ends_on", "{label} loopt af: verlengen of vervolg regelen", JOB,
             "end_opened_on"),
)
DEADLINE_BY_KEY = {d.key: d for d in DEADLINES}
# Dates the recorder derives from the settings (valid on the date they concern) and the plan keeps.
DERIVED_FIELDS = ("decision_due", "end_task_on")


def derived_dates(change: Mapping[str, Any], rules_on: Callable[[date], CoachingRules]) -> dict[str, str]:
    """The decision term ends `instrument_decision_weeks` after the application (the setting
    valid on the application date); the end's task opens `instrument_end_notice_days` before
    the end date (the setting valid on the end date)."""
    out = {}
    applied, ends = _d(change.get("applied_on")), _d(change.get("ends_on"))
    if applied is not None:
        weeks = int(rules_on(applied).instrument_decision_weeks)
        out["decision_due"] = (applied + timedelta(weeks=weeks)).isoformat()
    if ends is not None:
        days = int(rules_on(ends).instrument_end_notice_days)
        out["end_task_on"] = (ends - timedelta(days=days)).isoformat()
    return out


def task_key(kind: str, deadline: Deadline) -> str:
    return f"instrument:{kind}" if deadline.key == "apply" else f"instrument_{deadline.key}:{kind}"


def state_of(data: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    return (data.get("instruments") or {}).get(kind) or {}


def opens_on(data: Mapping[str, Any], kind: str, notice_days: int, deadline: Deadline = DEADLINES[0]) -> date | None:
    """The day the deadline's task opens (None: no task)."""
    st = state_of(data, kind)
    day = _d(st.get(deadline.opens))
    if st.get("status") != deadline.status or day is None:
        return None
    return day - timedelta(days=notice_days) if deadline.notice else day


def due_on(data: Mapping[str, Any], kind: str, notice_days: int, deadline: Deadline) -> date | None:
    st = state_of(data, kind)
    if deadline.due:
        return _d(st.get(deadline.due))
    opened = _d(st.get(deadline.mark))
    return opened + timedelta(days=notice_days) if opened else None


def next_opening(data: Mapping[str, Any], notice_days: int) -> date | None:
    """The first day a not yet opened task opens (one timer per phase waits for it)."""
    days = [d for k in KINDS for dl in DEADLINES if not state_of(data, k.key).get(dl.mark)
            and (d := opens_on(data, k.key, notice_days, dl)) is not None]
    return min(days) if days else None


def open_due(data: dict[str, Any], today: date, notice_days: int) -> list[str]:
    """Mark every task whose day has come as opened; the task keys opened now."""
    opened = []
    for k in KINDS:
        st = (data.get("instruments") or {}).get(k.key)
        for dl in DEADLINES:
            day = opens_on(data, k.key, notice_days, dl)
            if st is not None and day is not None and day <= today and not st.get(dl.mark):
                st[dl.mark] = today.isoformat()
                opened.append(task_key(k.key, dl))
    return opened


def task_open(data: Mapping[str, Any], kind: str, deadline: Deadline = DEADLINES[0]) -> bool:
    st = state_of(data, kind)
    return st.get("status") == deadline.status and bool(st.get(deadline.mark))


def apply_change(data: dict[str, Any], change: Mapping[str, Any]) -> None:
    """The plan's own record of an instrument: status and dates. A task that opened stays
    open while its status and date stay; a moved date opens it again at the new date."""
    instruments = data.setdefault("instruments", {})
    old = instruments.get(change["kind"]) or {}
    new = {"status": change["status"], **{k: change[k] for k in (*DATE_FIELDS, *DERIVED_FIELDS) if change.get(k)}}
    for dl in DEADLINES:
        if old.get(dl.mark) and old.get(dl.opens) == new.get(dl.opens) and new["status"] == dl.status:
            new[dl.mark] = old[dl.mark]
    instruments[change["kind"]] = new


# -- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentLine:
    kind: str
    status: str
    apply_by: date | None = None
    applied_on: date | None = None
    decided_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    amount_eur: Decimal | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def due_in(self, first: date, last: date) -> date | None:
        """The date in [first, last] something is due: the application deadline or the end."""
        if self.status == TO_APPLY and self.apply_by and first <= self.apply_by <= last:
            return self.apply_by
        if self.status == GRANTED and self.ends_on and first <= self.ends_on <= last:
            return self.ends_on
        return None

    def late(self, today: date) -> bool:
        return self.status == TO_APPLY and self.apply_by is not None and self.apply_by < today


def lines_for(rows: Mapping[str, InstrumentLine]) -> list[InstrumentLine]:
    """Every instrument in the table's order; one never recorded is 'niet van toepassing'."""
    return [rows.get(k.key) or InstrumentLine(k.key, NVT) for k in KINDS]
