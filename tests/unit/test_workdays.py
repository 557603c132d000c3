"""Working-day offsets skip weekends and Dutch public holidays."""

from datetime import UTC, date, datetime

from engine.workdays import add_working_days, is_working_day, working_days_between


def test_friday_plus_one_working_day_is_monday():
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert add_working_days(friday, 1).date() == date(2026, 11, 30)


def test_christmas_and_boxing_day_do_not_count():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 26))
    thursday = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    assert add_working_days(thursday, 1).date() == date(2026, 12, 28)


def test_kingsday_is_a_holiday():
    assert not is_working_day(date(2026, 4, 27))


def test_working_days_between_counts_weekdays_only():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5
