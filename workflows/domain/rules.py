"""Parameters of the plan and of coaching money: settings, never constants in code paths.

The seed's figures are the defaults (JoB's €40 per hour; UWV reimburses job coaching up to
10 % / 5 % / 3 % of the working time in years 1 / 2 / 3; at most 32 coaching hours in the
first two weeks of a full-time contract; a two-month proefplaatsing). Other UWV regimes use
other figures (e.g. 15 / 7.5 / 6 % for an internal job coach), so an administrator can
change the money settings (`SETTINGS`, stored in `plan_setting`); the schedule settings of a
plan (evaluation interval, notice, proefplaatsing length) are kept per plan in its data,
because a running plan's dates must not move when someone edits a global default.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import InvalidPayload

# -- calendar arithmetic the rules are stated in -------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month when it does not exist."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- schedule of a plan (kept per plan in its data) -----------------------------------------


@dataclass(frozen=True)
class ScheduleSetting:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int
    unit: str


SCHEDULE_SETTINGS: tuple[ScheduleSetting, ...] = (
    ScheduleSetting("evaluation_interval_weeks", "Evaluatie-interval maand 3-12", 6, 4, 13, "weken"),
    ScheduleSetting("notice_days", "Taken openen zoveel dagen voor de datum", 7, 0, 28, "dagen"),
    ScheduleSetting("proefplaatsing_months", "Duur proefplaatsing", 2, 2, 6, "maanden"),
    ScheduleSetting("signoff_days", "Ondertekenen binnen", 10, 1, 60, "dagen"),
)
SCHEDULE_DEFAULTS: dict[str, int] = {s.key: s.default for s in SCHEDULE_SETTINGS}


def schedule_value(data: Mapping[str, Any], key: str) -> int:
    """A plan's own value for a schedule setting, or the default."""
    value = (data.get("schedule") or {}).get(key)
    return int(value) if value is not None else SCHEDULE_DEFAULTS[key]


def clean_schedule(raw: Mapping[str, Any]) -> dict[str, int]:
    """Whole numbers within each setting's range; unknown keys refused."""
    known = {s.key: s for s in SCHEDULE_SETTINGS}
    errors: dict[str, str] = {}
    out: dict[str, int] = {}
    for key, value in raw.items():
        setting = known.get(key)
        if setting is None:
            errors[key] = "Onbekende instelling."
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors[key] = "Vul een heel getal in."
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors[key] = "Vul een heel getal in."
            continue
        if not setting.minimum <= number <= setting.maximum:
            errors[key] = f"Kies een waarde van {setting.minimum} tot en met {setting.maximum} {setting.unit}."
            continue
        out[key] = number
    if errors:
        raise InvalidPayload(errors)
    return out


# -- money and hours (global settings an administrator may change) --------------------------


SEED = "Kennismaking JoB (bron: ../shared/seeds/003), hoofdstuk 'Wat van tevoren goed is om te weten'"
PARTICIPATIEWET = date(2015, 1, 1)  # the seed: "Sinds 1 januari 2015 geldt ... de Participatiewet"


@dataclass(frozen=True)
class MoneySetting:
    """A number a rule is stated in, with where it comes from and since when it holds.

    `example`: the seed gives no figure; the default is an example JoB must confirm (the
    settings page says so next to the value).
    """

    key: str
    label: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    source: str = SEED
    valid_from: date = PARTICIPATIEWET
    example: bool = False
    applies_on: str = "today"  # which day's value a calculation uses (`APPLIES_ON`)
    statement: bool = False  # the hours statement reads it: no new value inside a closed period

    @property
    def applies_on_label(self) -> str:
        return APPLIES_ON[self.applies_on]


# A setting has a history of values, each valid from a date. A calculation uses the value
# valid on the day it concerns; which day that is, per setting, is this table's choice.
APPLIES_ON: dict[str, str] = {
    "month": "de eerste dag van de maand van de uren",
    "plan_year": "de eerste dag van het planjaar",
    "plan_start": "de startdatum van het trajectplan",
    "applied_on": "de datum van de aanvraag",
    "starts_on": "de ingangsdatum van het instrument",
    "ends_on": "de einddatum van het instrument",
    "today": "vandaag (een schatting of waarschuwing van nu)",
}


SETTINGS: tuple[MoneySetting, ...] = (
    MoneySetting("hourly_rate_eur", "Uurtarief JoB (euro)", Decimal("40"), Decimal("0"), Decimal("500"),
                 source=SEED + ": JoB rekent €40 per uur", applies_on="month", statement=True),
    MoneySetting("uwv_share_year1", "UWV-vergoeding jaar 1 (deel van de werktijd)", Decimal("0.10"),
                 Decimal("0"), Decimal("1"), source=SEED + ", 'Job coaching': eerste jaar maximaal 10%",
                 applies_on="plan_year", statement=True),
    MoneySetting("uwv_share_year2", "UWV-vergoeding jaar 2 (deel van de werktijd)", Decimal("0.05"),
                 Decimal("0"), Decimal("1"), source=SEED + ", 'Job coaching': tweede jaar maximaal 5%",
                 applies_on="plan_year", statement=True),
    MoneySetting("uwv_share_year3", "UWV-vergoeding jaar 3 (deel van de werktijd)", Decimal("0.03"),
                 Decimal("0"), Decimal("1"), source=SEED + ", 'Job coaching': derde jaar maximaal 3%",
                 applies_on="plan_year", statement=True),
    MoneySetting("onboarding_fulltime_cap_hours", "Maximaal begeleidingsuren week 1-2 bij een voltijdcontract",
                 Decimal("32"), Decimal("0"), Decimal("80"), source="Trajectplan JoB, Bijlage 4 (uitvoering)",
                 applies_on="plan_start"),
    MoneySetting("working_weeks_per_year", "Werkweken per jaar (voor de werktijd)", Decimal("52"),
                 Decimal("1"), Decimal("53"), source="Geen bron: voorbeeldwaarde, door JoB te bevestigen",
                 example=True, applies_on="plan_year", statement=True),
    MoneySetting("warn_share", "Waarschuwen vanaf dit deel van het maximum", Decimal("0.9"),
                 Decimal("0.5"), Decimal("1"), source="Geen bron: voorbeeldwaarde, door JoB te bevestigen",
                 example=True),
    MoneySetting("quota_min_employees", "Quotumregeling geldt vanaf zoveel werknemers", Decimal("25"),
                 Decimal("1"), Decimal("100000"), source=SEED + ", 'Participatiewet': bedrijven met 25 "
                 "werknemers of meer"),
    MoneySetting("quota_levy_eur", "Quotumheffing per niet-ingevulde arbeidsplaats (euro)", Decimal("5000"),
                 Decimal("0"), Decimal("100000"), source=SEED + ", 'Participatiewet': heffing van € 5.000 per "
                 "niet-ingevulde arbeidsplaats"),
    MoneySetting("quota_share", "Quotum: deel van het aantal werknemers", Decimal("0.02"),
                 Decimal("0"), Decimal("1"), source="Geen bron in de stukken van JoB: voorbeeldwaarde, door JoB "
                 "te bevestigen", example=True),
    MoneySetting("instrument_decision_weeks", "Besluit op een aanvraag verwacht binnen (weken)", Decimal("8"),
                 Decimal("1"), Decimal("52"), source="Geen bron in de stukken van JoB: voorbeeldwaarde, door JoB "
                 "te bevestigen", example=True, applies_on="applied_on"),
    MoneySetting("instrument_end_notice_days", "Taak 'verlengen of vervolg' zoveel dagen voor de einddatum van "
                 "een instrument", Decimal("30"), Decimal("0"), Decimal("180"), source="Geen bron in de stukken van "
                 "JoB: voorbeeldwaarde, door JoB te bevestigen", example=True, applies_on="ends_on"),
    MoneySetting("proefplaatsing_max_months", "Proefplaatsing ten hoogste (maanden)", Decimal("6"),
                 Decimal("1"), Decimal("12"), source=SEED + ", 'Instrumenten': proefplaatsing van 2 tot 6 maanden",
                 applies_on="starts_on"),
)
DEFAULTS: dict[str, Decimal] = {s.key: s.default for s in SETTINGS}
SETTING_BY_KEY: dict[str, MoneySetting] = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class CoachingRules:
    """The money rules in force; built from defaults and the administrator's overrides."""

    hourly_rate_eur: Decimal = DEFAULTS["hourly_rate_eur"]
    uwv_shares: tuple[Decimal, ...] = (DEFAULTS["uwv_share_year1"], DEFAULTS["uwv_share_year2"],
                                       DEFAULTS["uwv_share_year3"])
    onboarding_fulltime_cap_hours: Decimal = DEFAULTS["onboarding_fulltime_cap_hours"]
    working_weeks_per_year: Decimal = DEFAULTS["working_weeks_per_year"]
    warn_share: Decimal = DEFAULTS["warn_share"]
    quota_min_employees: Decimal = DEFAULTS["quota_min_employees"]
    quota_levy_eur: Decimal = DEFAULTS["quota_levy_eur"]
    quota_share: Decimal = DEFAULTS["quota_share"]
    instrument_decision_weeks: Decimal = DEFAULTS["instrument_decision_weeks"]
    instrument_end_notice_days: Decimal = DEFAULTS["instrument_end_notice_days"]
    proefplaatsing_max_months: Decimal = DEFAULTS["proefplaatsing_max_months"]

    def uwv_share(self, plan_year: int) -> Decimal:
        """The share for a plan year; after year 3 UWV reimburses nothing."""
        return self.uwv_shares[plan_year - 1] if 1 <= plan_year <= len(self.uwv_shares) else Decimal("0")


def rules_from(values: Mapping[str, Decimal]) -> CoachingRules:
    v = {**DEFAULTS, **values}
    return CoachingRules(
        hourly_rate_eur=v["hourly_rate_eur"],
        uwv_shares=(v["uwv_share_year1"], v["uwv_share_year2"], v["uwv_share_year3"]),
        onboarding_fulltime_cap_hours=v["onboarding_fulltime_cap_hours"],
        working_weeks_per_year=v["working_weeks_per_year"],
        warn_share=v["warn_share"],
        quota_min_employees=v["quota_min_employees"],
        quota_levy_eur=v["quota_levy_eur"],
        quota_share=v["quota_share"],
        instrument_decision_weeks=v["instrument_decision_weeks"],
        instrument_end_notice_days=v["instrument_end_notice_days"],
        proefplaatsing_max_months=v["proefplaatsing_max_months"],
    )


@dataclass(frozen=True)
class SettingVersion:
    """One value of a setting, valid from a date until the next version's date."""

    key: str
    value: Decimal
    valid_from: date


class SettingsHistory:
    """Every version of every setting: the value valid on a day (the default before any)."""

    def __init__(self, versions: Iterable[SettingVersion] = ()) -> None:
        self._by_key: dict[str, list[SettingVersion]] = {}
        for v in sorted(versions, key=lambda v: v.valid_from):
            self._by_key.setdefault(v.key, []).append(v)

    def value(self, key: str, on: date) -> Decimal:
        valid = [v.value for v in self._by_key.get(key, ()) if v.valid_from <= on]
        return valid[-1] if valid else DEFAULTS[key]

    def rules_on(self, on: date) -> CoachingRules:
        return rules_from({k: self.value(k, on) for k in DEFAULTS})

    def versions(self, key: str) -> list[SettingVersion]:
        return list(self._by_key.get(key, ()))


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")
Rules = CoachingRules | SettingsHistory  # one set of figures (a test's), or the history


def rules_on(rules: Rules, on: date) -> CoachingRules:
    """The figures valid on `on` (a fixed set of figures is valid on every day)."""
    return rules.rules_on(on) if isinstance(rules, SettingsHistory) else rules


def statement_change_refused(setting: MoneySetting, valid_from: date, last_closed: date | None) -> str | None:
    """Closed statements never change: a figure they read may not start on or before the last
    day of a closed period (the Dutch reason; None when fine)."""
    if setting.statement and last_closed is not None and valid_from <= last_closed:
        day = f"{last_closed.day} {_MONTHS[last_closed.month - 1]} {last_closed.year}"
        return (f"Er is al een afgesloten urenperiode tot en met {day}: een afgesloten "
                "verantwoording verandert nooit. Kies een datum daarna.")
    return None


def parse_decimal(raw: Any) -> Decimal | None:
    """'12,5', '12.5', 12.5 or 12 as a Decimal; None when it is no number."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def clean_settings(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Validate an administrator's changes to the money settings."""
    known = {s.key: s for s in SETTINGS}
    errors: dict[str, str] = {}
    out: dict[str, Decimal] = {}
    if not raw:
        raise InvalidPayload({"settings": "Wijzig ten minste één instelling."})
    for key, value in raw.items():
        setting = known.get(key)
        if setting is None:
            errors[key] = "Onbekende instelling."
            continue
        number = parse_decimal(value)
        if number is None:
            errors[key] = "Vul een getal in."
        elif not setting.minimum <= number <= setting.maximum:
            errors[key] = f"Kies een waarde van {setting.minimum} tot en met {setting.maximum}."
        else:
            out[key] = number
    if errors:
        raise InvalidPayload(errors)
    return out
