"""Checks a payload field by field and collects every Dutch error before raising once.

The company trajectory's payload cleaners are written with it; each kind of value (text,
date, number, contract hours, choice, list of records) is checked here once, the contract hours
by the shared concept in `workflows.domain.concepts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from engine.actions import Invalid
from engine.errors import InvalidPayload
from workflows.domain.concepts import CONTRACT_HOURS, FIRST_YEAR, LAST_YEAR, MAX_ID
from workflows.domain.security import BSN_MESSAGE, contains_bsn

MAX_TEXT = 2000
MAX_LINE = 200
MAX_ITEMS = 50


class Form:
    """Checks a payload field by field, collecting every Dutch error before raising once.

    Clearing is one rule for every field: a field sent empty (null, "" or []) is refused with
    "Dit veld is verplicht." when it is required. Otherwise, for a form that edits a record
    (`clears`, the company trajectory's actions: `RecordForm`), it is cleared: the clean payload
    holds None for it and `apply` removes the value recorded before; a field not sent is left as
    it was. (A web form sends every field it shows, so emptying an input clears it.) Forms that
    create something (`clears` False) simply leave an empty optional field out.
    """

    clears = False

    def __init__(self, payload: dict[str, Any], allowed: Iterable[str]) -> None:
        self.payload = payload
        self.allowed = frozenset(allowed)
        self.errors: dict[str, str] = {}
        self.out: dict[str, Any] = {}
        for key in sorted(set(payload) - set(allowed)):
            self.errors[key] = "Onbekend veld."

    def _get(self, key: str, required: bool) -> Any:
        value = self.payload.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", [], {}):
            if required:
                self.errors[key] = "Dit veld is verplicht."
            elif self.clears and key in self.payload:
                self.out[key] = None  # sent empty: clear what was recorded
            return None
        return value

    def text(self, key: str, *, required: bool = False, max_len: int = MAX_LINE) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.errors[key] = "Vul tekst in."
        elif len(value) > max_len:
            self.errors[key] = f"Gebruik ten hoogste {max_len} tekens."
        elif contains_bsn(value):
            self.errors[key] = BSN_MESSAGE
        else:
            self.out[key] = value
            return value
        return None

    def date(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            parsed = date.fromisoformat(value)
        except ValueError:
            self.errors[key] = "Vul een datum in als JJJJ-MM-DD."
            return None
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            self.errors[key] = f"Vul een datum tussen {FIRST_YEAR} en {LAST_YEAR} in."
            return None
        self.out[key] = parsed.isoformat()
        return self.out[key]

    def integer(self, key: str, *, required: bool = False, minimum: int = 1) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
            self.errors[key] = "Vul een geldig nummer in."
            return None
        self.out[key] = value
        return value

    def hours(self, key: str, *, required: bool = False) -> float | None:
        """Contract hours per week: the one concept a hire and its plan share."""
        value = self._get(key, required)
        if value is None:
            return None
        try:
            self.out[key] = CONTRACT_HOURS.clean(value)
        except Invalid as exc:
            self.errors[key] = str(exc)
            return None
        return self.out[key]

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self.payload.get(key)
        if value is None:
            if required:
                self.errors[key] = "Kies ja of nee."
            elif self.clears and key in self.payload:
                self.out[key] = None
            return None
        if not isinstance(value, bool):
            self.errors[key] = "Kies ja of nee."
            return None
        self.out[key] = value
        return value

    def choice(self, key: str, options: dict[str, str], *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            self.errors[key] = "Kies een van de mogelijkheden: " + ", ".join(options.values()) + "."
            return None
        self.out[key] = value
        return value

    def choices(self, key: str, options: dict[str, str], *, required: bool = False) -> list[str] | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, list) or any(not isinstance(v, str) or v not in options for v in value):
            self.errors[key] = "Kies uit: " + ", ".join(options.values()) + "."
            return None
        self.out[key] = [k for k in options if k in value]  # list order, no duplicates
        return self.out[key]

    def lines(self, key: str, *, required: bool = False, max_len: int = MAX_LINE) -> list[str] | None:
        """A list of short texts (e.g. tasks of a vacancy); empty lines are dropped."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors[key] = "Vul een lijst met teksten in."
            return None
        items = [v.strip() for v in value if v.strip()]
        if required and not items:
            self.errors[key] = "Dit veld is verplicht."
        elif len(items) > MAX_ITEMS or any(len(v) > max_len for v in items):
            self.errors[key] = f"Ten hoogste {MAX_ITEMS} regels van elk ten hoogste {max_len} tekens."
        else:
            self.out[key] = items
            return items
        return None

    def records(self, key: str, fields: dict[str, tuple[bool, int]], *, required: bool = False) -> list[dict] | None:
        """A list of small objects; `fields` maps name -> (required, max length) of text fields."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > MAX_ITEMS or not all(isinstance(v, dict) for v in value):
            self.errors[key] = f"Vul een lijst in van ten hoogste {MAX_ITEMS} regels."
            return None
        clean: list[dict] = []
        for i, item in enumerate(value, start=1):
            inner = Form(item, fields)
            for name, (needed, max_len) in fields.items():
                inner.text(name, required=needed, max_len=max_len)
            if inner.errors:
                name, msg = next(iter(inner.errors.items()))
                self.errors[key] = f"Regel {i}, {name}: {msg}"
                return None
            clean.append(inner.out)
        self.out[key] = clean
        return clean

    def done(self, *, at_least_one: bool = False) -> dict[str, Any]:
        # Nothing at all: nothing sent, or every field sent empty (an empty form); clearing some
        # fields and leaving the others as they were is a change.
        empty = all(v is None for v in self.out.values()) and (not self.out or set(self.out) >= self.allowed)
        if at_least_one and not self.errors and empty:
            self.errors["payload"] = "Vul ten minste één gegeven in."
        if self.errors:
            raise InvalidPayload(self.errors)
        return self.out


class RecordForm(Form):
    """A form that edits a record: a field sent empty is cleared (see `Form`)."""

    clears = True


def apply(record: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Write a clean payload into a record: a value replaces, None (sent empty) removes, a field
    not sent stays. The one place where clearing a field takes effect."""
    for key, value in payload.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record
