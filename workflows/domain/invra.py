"""INVRA-Arbeid: 38 competences in three categories, each scored on three levels.

The item labels belong to a licensed instrument, so only the numbering and categories ship;
an organisation loads its own labels (see `load_labels`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from engine.errors import InvalidPayload

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    first: int
    last: int


CATEGORIES = (
    Category("arbeidsprestaties", "Arbeidsprestaties", 1, 12),
    Category("motorisch", "Motorische competenties", 13, 19),
    Category("arbeidshouding", "Arbeidshouding", 20, 38),
)


@dataclass(frozen=True)
class Competence:
    number: int
    category: str

    @property
    def code(self) -> str:
        return f"{self.number:02d}"

    @property
    def placeholder_label(self) -> str:
        return f"Competentie {self.code}"


COMPETENCES: tuple[Competence, ...] = tuple(
    Competence(n, c.key) for c in CATEGORIES for n in range(c.first, c.last + 1)
)
CODES: tuple[str, ...] = tuple(c.code for c in COMPETENCES)


def category_of(code: str) -> Category:
    n = int(code)
    return next(c for c in CATEGORIES if c.first <= n <= c.last)


def is_complete_profile(profile: dict[str, int] | None) -> bool:
    """A profile is complete when every one of the 38 competences has a level 1-3."""
    if not profile:
        return False
    return all(profile.get(code) in LEVELS for code in CODES)


# -- labels: data the organisation loads (the instrument is licensed) ------------------------

MAX_LABEL = 120


def labels(loaded: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every code's label: the organisation's own where loaded, else the numbered placeholder."""
    loaded = loaded or {}
    return {c.code: loaded.get(c.code) or c.placeholder_label for c in COMPETENCES}


def normalise_code(raw: object) -> str | None:
    """'7', '07', 7 -> '07'; None when it is not one of the 38 competences."""
    if isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text.isdigit():
        return None
    code = f"{int(text):02d}"
    return code if code in CODES else None


def parse_labels(text: str) -> dict[str, str]:
    """Read 'code;label' lines (also ',' or a tab); blank lines and '#' comments are skipped.

    Errors name the line, so an administrator can fix the file: unknown codes, empty or
    overlong labels and codes given twice are refused; nothing is loaded when one is wrong.
    """
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"[;\t,]", line, maxsplit=1)
        where = f"regel {number}"
        if len(parts) != 2:
            errors[where] = "Gebruik 'nummer;omschrijving'."
            continue
        code = normalise_code(parts[0])
        label = parts[1].strip()
        if code is None:
            errors[where] = f"'{parts[0].strip()}' is geen competentienummer van 1 tot en met 38."
        elif not label:
            errors[where] = "De omschrijving ontbreekt."
        elif len(label) > MAX_LABEL or "\x00" in label:
            errors[where] = f"De omschrijving is te lang (maximaal {MAX_LABEL} tekens)."
        elif code in out:
            errors[where] = f"Competentie {code} staat er twee keer in."
        else:
            out[code] = label
    if not out and not errors:
        errors["labels"] = "Het bestand bevat geen omschrijvingen."
    if errors:
        raise InvalidPayload(errors)
    return out


# -- profiles ---------------------------------------------------------------------------------


def clean_profile(raw: object, *, complete: bool = False) -> dict[str, int]:
    """A profile {code: level}: codes 01-38, levels 1-3; `complete` demands all 38."""
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidPayload({"profile": "Vul voor ten minste één competentie een niveau in."})
    errors: dict[str, str] = {}
    out: dict[str, int] = {}
    for key, value in raw.items():
        code = normalise_code(key)
        if code is None:
            errors[str(key)[:16]] = "Onbekende competentie: kies een nummer van 1 tot en met 38."
            continue
        level = value if isinstance(value, int) and not isinstance(value, bool) else None
        if level is None and isinstance(value, str) and value.strip().isdigit():
            level = int(value.strip())
        if level not in LEVELS:
            errors[code] = f"Competentie {code}: kies niveau 1, 2 of 3."
            continue
        out[code] = level
    if complete and not errors:
        missing = [c for c in CODES if c not in out]
        if missing:
            errors["profile"] = f"Nog {len(missing)} van de 38 competenties zonder niveau."
    if errors:
        raise InvalidPayload(errors)
    return dict(sorted(out.items()))


# -- matching a person to a workplace -----------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A competence where the person is below what the workplace asks."""

    code: str
    person: int | None  # None: not observed
    required: int

    @property
    def shortfall(self) -> int:
        return self.required - (self.person or 0) if self.person is not None else self.required


@dataclass(frozen=True)
class Match:
    """Person profile laid beside a workplace profile, competence by competence."""

    required: int  # competences the workplace profile scores
    met: int  # of those, where the person's level is at least the required level
    gaps: tuple[Gap, ...]  # largest shortfall first, then by number
    surplus: tuple[str, ...]  # codes where the person is above the requirement

    @property
    def score(self) -> float:
        """Percentage of the workplace's competences the person meets (one decimal)."""
        return round(100 * self.met / self.required, 1) if self.required else 0.0

    @property
    def total_shortfall(self) -> int:
        return sum(g.shortfall for g in self.gaps)

    @property
    def not_observed(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.gaps if g.person is None)


def match(person: Mapping[str, int], workplace: Mapping[str, int]) -> Match:
    """Compare per competence; a competence the person was not observed on counts as a gap."""
    gaps: list[Gap] = []
    surplus: list[str] = []
    met = 0
    for code in CODES:
        required = workplace.get(code)
        if required is None:
            continue
        level = person.get(code)
        if level is not None and level >= required:
            met += 1
            if level > required:
                surplus.append(code)
        else:
            gaps.append(Gap(code, level, required))
    gaps.sort(key=lambda g: (-g.shortfall, g.code))
    required_count = sum(1 for code in CODES if code in workplace)
    return Match(required=required_count, met=met, gaps=tuple(gaps), surplus=tuple(surplus))


@dataclass(frozen=True)
class Ranked:
    candidate_id: int
    match: Match


def rank(workplace: Mapping[str, int], people: Mapping[int, Mapping[str, int]]) -> list[Ranked]:
    """Best match first: highest share met, then smallest total shortfall, then lowest id."""
    ranked = [Ranked(cid, match(profile, workplace)) for cid, profile in people.items()]
    ranked.sort(key=lambda r: (-Fraction(r.match.met, r.match.required or 1), r.match.total_shortfall,
                               r.candidate_id))
    return ranked


@dataclass(frozen=True)
class Change:
    code: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Growth:
    """How a person's levels changed between two observations (codes in both only)."""

    changes: tuple[Change, ...]

    @property
    def grown(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.delta > 0)

    @property
    def declined(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.delta < 0)

    @property
    def unchanged(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.delta == 0)

    @property
    def net(self) -> int:
        return sum(c.delta for c in self.changes)


def growth(earlier: Mapping[str, int], later: Mapping[str, int]) -> Growth:
    return Growth(tuple(Change(code, earlier[code], later[code]) for code in CODES
                        if code in earlier and code in later))


def by_category(profile: Mapping[str, int]) -> dict[str, list[tuple[str, int | None]]]:
    """The profile per category in number order, for the radar picture (None: not scored)."""
    return {cat.key: [(f"{n:02d}", profile.get(f"{n:02d}")) for n in range(cat.first, cat.last + 1)]
            for cat in CATEGORIES}


# -- a profile per category, for following a person over time -----------------------------------


@dataclass(frozen=True)
class CategoryLevel:
    """One category of one observation: how many competences were scored, and their mean level."""

    category: Category
    scored: int
    total: int  # the levels added up

    @property
    def size(self) -> int:
        return self.category.last - self.category.first + 1

    @property
    def mean(self) -> float | None:
        """Mean level of the scored competences (two decimals); None when none was scored."""
        return round(self.total / self.scored, 2) if self.scored else None


def category_levels(profile: Mapping[str, int]) -> tuple[CategoryLevel, ...]:
    """The profile summarised per category (Arbeidsprestaties, Motorisch, Arbeidshouding)."""
    out = []
    for cat in CATEGORIES:
        levels = [profile[f"{n:02d}"] for n in range(cat.first, cat.last + 1) if profile.get(f"{n:02d}") in LEVELS]
        out.append(CategoryLevel(cat, len(levels), sum(levels)))
    return tuple(out)


def mean_change(earlier: CategoryLevel, later: CategoryLevel) -> float | None:
    """How far a category's mean level moved between two observations (None: not scored in one)."""
    if earlier.mean is None or later.mean is None:
        return None
    return round(later.mean - earlier.mean, 2)
