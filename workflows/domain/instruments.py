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

from collections.abc import Mapping
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


# -- what the plan keeps per instrument, and what timers and tasks read of it -------------


def state_of(data: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    return (data.get("instruments") or {}).get(kind) or {}


def opens_on(data: Mapping[str, Any], kind: str, notice_days: int) -> date | None:
    """The day the application task opens: `notice_days` before the deadline (None: no task)."""
    st = state_of(data, kind)
    deadline = _d(st.get("apply_by"))
    if st.get("status") != TO_APPLY or deadline is None:
        return None
    return deadline - timedelta(days=notice_days)


def next_opening(data: Mapping[str, Any], notice_days: int) -> date | None:
    """The first day a not yet opened application task opens (one timer per phase waits for it)."""
    days = [d for k in KINDS if not state_of(data, k.key).get("opened_on")
            and (d := opens_on(data, k.key, notice_days)) is not None]
    return min(days) if days else None


def open_due(data: dict[str, Any], today: date, notice_days: int) -> list[str]:
    """Mark every application task whose day has come as opened; the kinds opened now."""
    opened = []
    for k in KINDS:
        st = (data.get("instruments") or {}).get(k.key)
        day = opens_on(data, k.key, notice_days)
        if st is not None and day is not None and day <= today and not st.get("opened_on"):
            st["opened_on"] = today.isoformat()
            opened.append(k.key)
    return opened


def task_open(data: Mapping[str, Any], kind: str) -> bool:
    st = state_of(data, kind)
    return st.get("status") == TO_APPLY and bool(st.get("opened_on"))


def apply_change(data: dict[str, Any], change: Mapping[str, Any]) -> None:
    """The plan's own record of an instrument: status and dates (an application task reopens
    when its deadline moves)."""
    instruments = data.setdefault("instruments", {})
    old = instruments.get(change["kind"]) or {}
    new = {"status": change["status"], **{k: change[k] for k in DATE_FIELDS if change.get(k)}}
    if old.get("opened_on") and old.get("apply_by") == new.get("apply_by") and new["status"] == TO_APPLY:
        new["opened_on"] = old["opened_on"]
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
