"""One validator per domain concept, stated once and used by every action that takes it.

A hire and a plan take the same contract hours, a goal and an evaluation the same kind of
date, every free text the same checks (length, no NUL, no BSN). Each concept is an
`engine.actions.Concept`: a cleaner that raises `Invalid` with the Dutch message, and the JSON
Schema the API publishes for it. No database here: checks against rows happen in recorders.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.actions import Concept, Invalid
from engine.errors import InvalidPayload
from engine.spec import CaseView, Ctx, Guard
from engine.workdays import AMSTERDAM
from workflows.domain import coaching, hours_periods, invra
from workflows.domain.rules import SCHEDULE_SETTINGS, ScheduleSetting
from workflows.domain.security import BSN_MESSAGE, contains_bsn

MAX_LINE = 200
MAX_TEXT = 5000
MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger number names no row
FIRST_YEAR, LAST_YEAR = 1900, 2199  # outside them the plan's date arithmetic would overflow
MAX_CONTRACT_HOURS = Decimal("40")


def _text(max_len: int) -> Concept:
    def clean(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("Vul tekst in.")
        value = value.strip()
        if len(value) > max_len:
            raise Invalid(f"Gebruik ten hoogste {max_len} tekens.")
        if "\x00" in value:
            raise Invalid("De invoer bevat een ongeldig teken.")
        if contains_bsn(value):
            raise Invalid(BSN_MESSAGE)
        return value

    return Concept(f"text_{max_len}", clean, {"type": "string", "maxLength": max_len},
                   f"Tekst van ten hoogste {max_len} tekens, zonder BSN.")


LINE = _text(MAX_LINE)
TEXT = _text(MAX_TEXT)
GOAL_TEXT = _text(1000)
NOTE = _text(coaching.MAX_NOTE)


def clean_date(value: Any) -> str:
    """A calendar day as ISO text (jjjj-mm-dd) within the years the plan can compute with."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid("Vul een geldige datum in (jjjj-mm-dd).") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise Invalid(f"Vul een datum tussen {FIRST_YEAR} en {LAST_YEAR} in.")
    return parsed.isoformat()


DAY = Concept("date", clean_date, {"type": "string", "format": "date"}, "Een datum als jjjj-mm-dd.")

# A date someone types for something that happened or is planned lies near today: not an
# adviesgesprek in 1999, not an evaluation in 2099. Stated once; each date field that needs it
# gets the guard `plausible_date(field)` (next to that field in the form and the API's errors).
PLAUSIBLE_PAST_YEARS, PLAUSIBLE_FUTURE_YEARS = 2, 1


def implausible(on: date, today: date, *, future: bool = True) -> str | None:
    """Why `on` is not a plausible date seen from `today`, or None."""
    if on > today and not future:
        return "De datum ligt in de toekomst."
    if on < today - timedelta(days=365 * PLAUSIBLE_PAST_YEARS):
        return f"De datum ligt meer dan {PLAUSIBLE_PAST_YEARS} jaar in het verleden."
    if on > today + timedelta(days=365 * PLAUSIBLE_FUTURE_YEARS):
        return f"De datum ligt meer dan {PLAUSIBLE_FUTURE_YEARS} jaar in de toekomst."
    return None


def plausible_date(key: str, *, future: bool = True) -> Guard:
    """A guard on one date field: within the plausible window (and not after today if `future` is False)."""

    def why(case: CaseView, ctx: Ctx) -> str | None:
        value = ctx.payload.get(key)
        if not isinstance(value, str):
            return None
        try:
            on = date.fromisoformat(value)
        except ValueError:
            return None  # the concept or cleaner said so already
        return implausible(on, ctx.now.astimezone(AMSTERDAM).date(), future=future)

    return Guard(fn=lambda case, ctx: why(case, ctx) is None, reason=lambda case, ctx: why(case, ctx) or "",
                 name=f"{key}_plausible", field=key)


def clean_id(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise Invalid("Ontbrekende of ongeldige verwijzing.")
    return value


def clean_coach(value: Any) -> int:
    try:
        return clean_id(value)
    except Invalid:
        raise Invalid("Kies een actieve jobcoach van JoB.") from None


JOB_COACH = Concept("job_coach", clean_coach, {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "Het nummer van een jobcoach van JoB.")
ROW_ID = Concept("id", clean_id, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Het nummer van een rij.")


def clean_contract_hours(value: Any) -> float:
    """Contract hours per week: more than 0 and at most 40 (a hire and its plan alike)."""
    if isinstance(value, bool):
        raise Invalid(_HOURS_MESSAGE)
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid(_HOURS_MESSAGE) from None
    if not hours.is_finite() or not Decimal("0") < hours <= MAX_CONTRACT_HOURS:
        raise Invalid(_HOURS_MESSAGE)
    return float(hours)


_HOURS_MESSAGE = f"Vul een aantal uren per week in tussen 0 en {MAX_CONTRACT_HOURS}."
CONTRACT_HOURS = Concept("contract_hours", clean_contract_hours,
                         {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_CONTRACT_HOURS)},
                         "Contracturen per week: meer dan 0, ten hoogste 40.")


def clean_coaching_hours(value: Any) -> int:
    """Coaching hours as typed ('1,5', 1.5, 2) -> whole minutes."""
    try:
        return coaching.parse_hours(value)
    except InvalidPayload as exc:
        raise Invalid(next(iter(exc.errors.values()))) from None


COACHING_HOURS = Concept("coaching_hours", clean_coaching_hours,
                         {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 24},
                                    {"type": "string", "pattern": r"^\s*\d{1,2}([.,]\d{1,2})?\s*$"}]},
                         "Uren begeleiding op één dag: meer dan 0, ten hoogste 24 (1,5 = anderhalf uur).")


MAX_AMOUNT = Decimal("10000000")


def clean_amount(value: Any) -> str:
    """An amount in euros ('1.250,50' is not accepted: use a comma or a point for cents only)."""
    if isinstance(value, bool):
        raise Invalid(_AMOUNT_MESSAGE)
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid(_AMOUNT_MESSAGE) from None
    if not amount.is_finite() or not Decimal("0") <= amount <= MAX_AMOUNT:
        raise Invalid(_AMOUNT_MESSAGE)
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid("Gebruik hoogstens twee decimalen (centen).")
    return f"{amount.quantize(Decimal('0.01')):f}"


_AMOUNT_MESSAGE = "Vul een bedrag in euro in, bijvoorbeeld 1250 of 1250,50."
AMOUNT = Concept("amount_eur", clean_amount,
                 {"anyOf": [{"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)},
                            {"type": "string", "pattern": r"^\s*\d{1,8}([.,]\d{1,2})?\s*$"}]},
                 "Een bedrag in euro, ten hoogste twee decimalen.")


def clean_month(value: Any) -> str:
    month = hours_periods.parse_month(value)
    if month is None:
        raise Invalid("Vul een maand in als jjjj-mm, bijvoorbeeld 2027-01.")
    return month


MONTH = Concept("month", clean_month, {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "Een maand als jjjj-mm (de periode van de urenverantwoording).")


def choice(name: str, options: Mapping[str, str], message: str = "Kies een van de mogelijkheden.") -> Concept:
    def clean(value: Any) -> str:
        if value not in options:
            raise Invalid(message)
        return value

    return Concept(name, clean, {"type": "string", "enum": list(options)}, "; ".join(
        f"{k}: {v}" for k, v in options.items()), choices=dict(options))


def clean_competence(value: Any) -> str:
    code = invra.normalise_code(value)
    if code is None:
        raise Invalid("Kies een INVRA-competentie van 1 tot en met 38.")
    return code


COMPETENCE = Concept("invra_competence", clean_competence,
                     {"type": "string", "pattern": "^(0?[1-9]|[12][0-9]|3[0-8])$"}, "INVRA-competentie 01-38.")


def clean_profile(value: Any) -> dict[str, int]:
    try:
        return invra.clean_profile(value)
    except InvalidPayload as exc:
        raise Invalid(" ".join(exc.errors.values())) from None


INVRA_PROFILE = Concept(
    "invra_profile", clean_profile,
    {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^(0?[1-9]|[12][0-9]|3[0-8])$"},
     "additionalProperties": {"type": "integer", "enum": list(invra.LEVELS)}},
    "Niveau 1-3 per INVRA-competentie (01-38).")


def schedule_number(setting: ScheduleSetting) -> Concept:
    def clean(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise Invalid("Vul een heel getal in.")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Invalid("Vul een heel getal in.") from None
        if not setting.minimum <= number <= setting.maximum:
            raise Invalid(f"Kies een waarde van {setting.minimum} tot en met {setting.maximum} {setting.unit}.")
        return number

    return Concept(setting.key, clean, {"anyOf": [
        {"type": "integer", "minimum": setting.minimum, "maximum": setting.maximum},
        {"type": "string", "pattern": r"^\s*\d+\s*$"}]}, f"{setting.label} ({setting.unit})")


SCHEDULE = {s.key: schedule_number(s) for s in SCHEDULE_SETTINGS}


def records_of(name: str, fields: Mapping[str, tuple[Concept, bool, str]]) -> Concept:
    """A list of small records, each field checked by its own concept; errors name the row.

    `fields`: key -> (concept, required, the Dutch word for it in a message: "kies een status").
    """

    def clean(value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or len(value) > 100:
            raise Invalid("Geef een lijst van ten hoogste 100 regels.")
        out = []
        for i, row in enumerate(value, 1):
            if not isinstance(row, Mapping) or set(row) - set(fields):
                raise Invalid(f"Regel {i}: onbekende of ontbrekende velden.")
            item: dict[str, Any] = {}
            for key, (concept, required, word) in fields.items():
                raw = row.get(key)
                if raw in (None, ""):
                    if required:
                        raise Invalid(f"Regel {i}: {missing(concept, word)}")
                    item[key] = None
                    continue
                try:
                    item[key] = concept.clean(raw)
                except Invalid as exc:
                    raise Invalid(f"Regel {i}: {exc}") from None
            out.append(item)
        return out

    return Concept(name, clean, {"type": "array", "maxItems": 100, "items": {
        "type": "object", "additionalProperties": False,
        "properties": {k: dict(c.schema) for k, (c, _r, _w) in fields.items()},
        "required": [k for k, (_c, r, _w) in fields.items() if r]}}, items=dict(fields))


def missing(concept: Concept, word: str) -> str:
    """The Dutch message for an empty required part: 'kies een status.' or 'vul de datum in.'"""
    return f"kies {word}." if concept.choices is not None else f"vul {word} in."


def check(concept: Concept, value: Any, key: str) -> Any:
    """Use a concept outside an action (a registration form): InvalidPayload on the field."""
    try:
        return concept.clean(value)
    except Invalid as exc:
        raise InvalidPayload({key: str(exc)}) from None
