"""The banenafspraak quota for one employer: an estimate of the levy, never a bill.

Seed: if the jobs promised are not created, a quota applies to employers with 25 or more
employees, with a levy of €5,000 per unfilled place. The threshold, the levy and the share of
the workforce that makes up the quota are settings (`workflows.domain.rules`); the share has
no source in JoB's documents and is an example JoB must confirm.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from workflows.domain.rules import CoachingRules

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QuotaEstimate:
    employees: int | None
    applies: bool
    required: Decimal  # places (two decimals)
    counted: int  # placements that count
    unfilled: Decimal
    levy_eur: Decimal
    levy_per_place: Decimal
    threshold: int


def estimate(employees: int | None, counted: int, rules: CoachingRules) -> QuotaEstimate:
    """Required places = employees x quota share; levy = unfilled places x levy per place."""
    threshold = int(rules.quota_min_employees)
    applies = employees is not None and employees >= threshold
    required = (Decimal(employees or 0) * rules.quota_share).quantize(CENT, ROUND_HALF_UP) if applies else Decimal(0)
    unfilled = max(Decimal(0), required - counted)
    return QuotaEstimate(employees, applies, required, counted, unfilled,
                         (unfilled * rules.quota_levy_eur).quantize(CENT, ROUND_HALF_UP), rules.quota_levy_eur,
                         threshold)
