"""Legal day periods (Arts. 11 and 12): the triggering day is not counted, rest days move the end.

Every expected date below was checked against ``holidays.China`` (0.109) by printing the
calendar around it; the comments give the day of the week and what the library says.
"""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.periods import (
    Period,
    PeriodStatus,
    _calendar,
    calendar_covers,
    covered_years,
    is_late,
    is_working_day,
    period_end,
)
from ledger.errors import InvalidInputError

D = dt.date
LIBRARY = holidays.country_holidays("CN")


# --- working days ---------------------------------------------------------------------------


def test_a_make_up_saturday_is_a_working_day() -> None:
    assert is_working_day(D(2025, 2, 8))  # Sat, 调休上班 for the Spring Festival


def test_an_arranged_day_off_on_a_tuesday_is_a_rest_day() -> None:
    assert not is_working_day(D(2025, 2, 4))  # Tue, day off substituted from 2025-02-08


def test_an_ordinary_weekend_is_rest_and_an_ordinary_weekday_is_work() -> None:
    assert not is_working_day(D(2025, 3, 22))  # Sat
    assert not is_working_day(D(2025, 3, 23))  # Sun
    assert is_working_day(D(2025, 3, 24))  # Mon


def test_working_days_agree_with_the_library_for_every_day_since_the_measures() -> None:
    day, last = D(2016, 1, 1), D(covered_years()[-1], 12, 31)
    while day <= last:
        assert is_working_day(day) == LIBRARY.is_working_day(day), day
        day += dt.timedelta(days=1)


def test_a_datetime_is_refused_as_a_day() -> None:
    with pytest.raises(InvalidInputError):
        is_working_day(dt.datetime(2025, 2, 8, 12, 0))


# --- coverage of the holiday calendar -------------------------------------------------------


def test_the_calendar_covers_the_years_of_the_measures_so_far() -> None:
    for year in range(2016, 2027):
        assert calendar_covers(year), year


def test_a_year_without_official_notices_is_not_covered() -> None:
    assert not calendar_covers(covered_years().stop)
    assert not calendar_covers(covered_years().start - 1)
    assert not calendar_covers(2999)


def test_a_year_past_the_library_notices_is_counted_by_weekends_only() -> None:
    # For such a year the library only estimates holidays (in 0.109, e.g. 2027-02-08, a Monday,
    # as Spring Festival); those estimates are not used.
    year = covered_years().stop
    day = D(year, 1, 1)
    while day.year == year:
        assert is_working_day(day) == (day.weekday() < 5), day
        day += dt.timedelta(days=1)


def test_a_period_in_an_uncovered_year_moves_off_the_weekend_only() -> None:
    assert D(2999, 3, 9).weekday() == 5  # Sat
    assert period_end(D(2999, 2, 22), 15) == D(2999, 3, 11)  # Mon
    assert Period(D(2999, 2, 22), 15, "Art. 12").provisional
    assert not Period(D(2025, 3, 7), 15, "Art. 12").provisional


def test_the_calendar_of_a_year_is_built_once() -> None:
    is_working_day(D(2025, 6, 3))
    before = _calendar.cache_info()
    for _ in range(100):
        is_working_day(D(2025, 6, 3))
    after = _calendar.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 100


# --- period_end -----------------------------------------------------------------------------


def test_the_starting_day_is_not_counted() -> None:
    # Decision on Mon 2025-03-03; day D+30 (Wed 2025-04-02) is a working day, so it is the last.
    assert period_end(D(2025, 3, 3), 30) == D(2025, 4, 2)
    assert period_end(D(2025, 3, 3), 1) == D(2025, 3, 4)


def test_a_fifteen_day_appeal_period_ending_on_a_saturday_moves_to_monday() -> None:
    # Received Fri 2025-03-07; +15 = Sat 2025-03-22 → Mon 2025-03-24.
    assert period_end(D(2025, 3, 7), 15) == D(2025, 3, 24)


def test_a_one_day_period_from_a_friday_ends_on_monday() -> None:
    assert period_end(D(2025, 3, 7), 1) == D(2025, 3, 10)


def test_a_period_ending_in_the_spring_festival_2025_moves_to_the_first_working_day_after() -> None:
    # Rest run: Tue 2025-01-28 (Eve) … Tue 2025-02-04 (day off); Wed 2025-02-05 is working.
    assert period_end(D(2025, 1, 14), 15) == D(2025, 2, 5)  # +15 = Wed 01-29, Spring Festival
    assert period_end(D(2024, 12, 31), 30) == D(2025, 2, 5)  # +30 = Thu 01-30, Spring Festival


def test_a_period_ending_on_a_make_up_saturday_is_not_moved() -> None:
    assert period_end(D(2025, 1, 24), 15) == D(2025, 2, 8)  # Sat, 调休上班


def test_a_period_ending_on_a_make_up_sunday_is_not_moved() -> None:
    assert period_end(D(2024, 12, 27), 30) == D(2025, 1, 26)  # Sun, 调休上班


def test_a_period_ending_in_national_day_week_2024_moves_to_october_8() -> None:
    # Rest run Tue 2024-10-01 … Mon 2024-10-07.
    assert period_end(D(2024, 9, 16), 15) == D(2024, 10, 8)  # +15 = Tue 10-01, National Day
    assert period_end(D(2024, 9, 5), 30) == D(2024, 10, 8)  # +30 = Sat 10-05


def test_a_period_ending_on_the_make_up_saturday_after_national_day_2024_is_not_moved() -> None:
    assert period_end(D(2024, 9, 27), 15) == D(2024, 10, 12)  # Sat, 调休上班


def test_a_period_crossing_into_new_year_2025_moves_past_new_years_day() -> None:
    assert period_end(D(2024, 12, 17), 15) == D(2025, 1, 2)  # +15 = Wed 2025-01-01


def test_a_period_crossing_into_2026_ends_on_the_make_up_sunday_january_4() -> None:
    # 2026-01-01 Thu holiday, 01-02 Fri day off, 01-03 Sat rest, 01-04 Sun 调休上班.
    assert period_end(D(2025, 12, 2), 30) == D(2026, 1, 4)
    assert period_end(D(2025, 12, 19), 15) == D(2026, 1, 4)


@pytest.mark.parametrize("days", [0, -1, -30])
def test_a_zero_or_negative_day_count_is_refused(days: int) -> None:
    with pytest.raises(InvalidInputError):
        period_end(D(2025, 3, 7), days)
    with pytest.raises(InvalidInputError):
        Period(D(2025, 3, 7), days, "Art. 12")
    with pytest.raises(InvalidInputError):
        is_late(D(2025, 3, 7), days, D(2025, 3, 8))


# --- is_late --------------------------------------------------------------------------------


def test_an_appeal_on_the_monday_after_a_saturday_end_is_in_time() -> None:
    assert not is_late(D(2025, 3, 7), 15, D(2025, 3, 24))
    assert is_late(D(2025, 3, 7), 15, D(2025, 3, 25))


def test_an_act_done_on_the_triggering_day_is_in_time() -> None:
    assert not is_late(D(2025, 3, 7), 30, D(2025, 3, 7))


def test_an_act_done_before_the_triggering_day_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        is_late(D(2025, 3, 7), 30, D(2025, 3, 6))


# --- Period.status --------------------------------------------------------------------------

APPEAL = Period(D(2025, 3, 7), 15, "Art. 12")  # due Mon 2025-03-24


def test_a_period_is_a_frozen_value_with_its_due_day() -> None:
    assert APPEAL.due == D(2025, 3, 24)
    assert Period(D(2025, 3, 7), 15, "Art. 12") == APPEAL
    with pytest.raises(AttributeError):
        APPEAL.days = 30  # type: ignore[misc]


def test_a_period_far_from_its_due_day_is_open() -> None:
    assert APPEAL.status(D(2025, 3, 10)) is PeriodStatus.OPEN
    assert APPEAL.status(D(2025, 3, 20)) is PeriodStatus.OPEN  # 4 days before


def test_a_period_within_three_days_of_its_due_day_is_due_soon() -> None:
    assert APPEAL.status(D(2025, 3, 21)) is PeriodStatus.DUE_SOON  # 3 days before
    assert APPEAL.status(D(2025, 3, 24)) is PeriodStatus.DUE_SOON  # the due day itself


def test_due_soon_uses_the_given_number_of_days() -> None:
    assert APPEAL.status(D(2025, 3, 23), soon_days=0) is PeriodStatus.OPEN
    assert APPEAL.status(D(2025, 3, 24), soon_days=0) is PeriodStatus.DUE_SOON
    assert APPEAL.status(D(2025, 3, 14), soon_days=10) is PeriodStatus.DUE_SOON


def test_a_period_past_its_due_day_and_not_done_is_overdue() -> None:
    assert APPEAL.status(D(2025, 3, 25)) is PeriodStatus.OVERDUE


def test_a_period_done_by_its_moved_due_day_is_done_in_time() -> None:
    assert APPEAL.status(D(2025, 4, 30), done=D(2025, 3, 24)) is PeriodStatus.DONE_IN_TIME
    assert APPEAL.status(D(2025, 3, 10), done=D(2025, 3, 10)) is PeriodStatus.DONE_IN_TIME


def test_a_period_done_after_its_due_day_is_done_late() -> None:
    assert APPEAL.status(D(2025, 4, 30), done=D(2025, 3, 25)) is PeriodStatus.DONE_LATE


def test_a_completion_after_the_status_day_is_not_yet_known() -> None:
    assert APPEAL.status(D(2025, 3, 20), done=D(2025, 3, 22)) is PeriodStatus.OPEN
    assert APPEAL.status(D(2025, 3, 26), done=D(2025, 3, 28)) is PeriodStatus.OVERDUE


def test_status_values_are_strings() -> None:
    assert isinstance(PeriodStatus.DUE_SOON, str)
    assert str(PeriodStatus.DUE_SOON) == "due_soon"
    assert [s.value for s in PeriodStatus] == [
        "open",
        "due_soon",
        "overdue",
        "done_in_time",
        "done_late",
    ]


def test_a_negative_soon_window_or_a_completion_before_the_start_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        APPEAL.status(D(2025, 3, 10), soon_days=-1)
    with pytest.raises(InvalidInputError):
        APPEAL.status(D(2025, 3, 10), done=D(2025, 3, 6))


# --- property -------------------------------------------------------------------------------


@given(
    start=st.dates(min_value=D(1995, 1, 1), max_value=D(2035, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
)
def test_a_period_always_ends_on_the_first_working_day_from_its_nominal_end(
    start: dt.date, days: int
) -> None:
    nominal = start + dt.timedelta(days=days)
    end = period_end(start, days)
    assert end >= nominal
    assert is_working_day(end)
    if calendar_covers(end.year):
        assert LIBRARY.is_working_day(end)
    else:
        assert end.weekday() < 5
    day = nominal
    while day < end:
        assert not is_working_day(day), day
        day += dt.timedelta(days=1)
