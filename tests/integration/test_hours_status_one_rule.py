"""The hours status (within, nearly used up, over the UWV maximum) is one rule: the plan page's
Python and the lists' SQL give the same answer at and around both limits, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import literal, select, true

from engine.store.models import Case
from workflows.domain import coaching
from workflows.domain.rules import CoachingRules
from workflows.usecases.list_filters import hours_status_expr, year1_cap_expr

RULES = CoachingRules()
CONTRACT_HOURS = 8  # year 1: share x 8 hours x working weeks


def test_python_and_sql_agree_on_the_hours_status_around_both_limits(db):
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with db.write() as s:
        s.add(Case(id=1, workflow="candidate_plan", workflow_version=1, state="actief",
                   data={"contract_hours": CONTRACT_HOURS}, created_at=now, updated_at=now,
                   state_entered_at=now, version=1))
    with db.read() as s:
        cap = Decimal(str(s.scalar(select(year1_cap_expr(RULES))))).quantize(Decimal("0.01"))
        warn = cap * Decimal(str(RULES.warn_share))
        minutes = sorted({0, 1, *(int(h * 60) + d for h in (warn, cap) for d in (-1, 0, 1)), int(cap * 120)})
        assert len(minutes) >= 8
        seen = set()
        for m in minutes:
            used = (Decimal(m) / 60).quantize(Decimal("0.01"))
            python = coaching.Budget("Jaar 1", date(2026, 11, 23), date(2027, 11, 23), used, cap,
                                     Decimal(str(RULES.warn_share))).status
            logged = select(literal(m).label("m")).subquery()
            sql = s.scalar(select(hours_status_expr(RULES, logged)).select_from(Case).join(logged, true())
                           .where(Case.id == 1))
            assert sql == python, (m, used, cap)
            seen.add(python)
    assert seen == {coaching.OK, coaching.NEAR, coaching.OVER}
