"""INVRA-Arbeid: 38 competences in three categories, each scored on three levels.

The item labels belong to a licensed instrument, so only the numbering and categories ship;
an organisation loads its own labels (see `load_labels`).
"""

from __future__ import annotations

from dataclasses import dataclass

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
