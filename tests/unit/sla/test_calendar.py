"""Business calendars: named scenarios and validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import LocalTimeRange
from fieldpilot.sla import BusinessCalendar
from tests.unit.sla.builders import local, office_hours

HOUR = 3600


def test_adding_business_time_on_friday_afternoon_lands_on_monday() -> None:
    calendar = office_hours()

    deadline = calendar.add_business_seconds(local("2026-11-27 16:00"), 4 * HOUR)

    assert deadline == local("2026-11-30 11:00")


def test_a_weekend_has_no_business_time() -> None:
    calendar = office_hours()

    assert calendar.business_seconds(local("2026-11-27 17:00"), local("2026-11-30 08:00")) == 0
    assert calendar.business_seconds(local("2026-11-27 16:00"), local("2026-11-30 09:00")) == 2 * HOUR


def test_a_holiday_is_skipped() -> None:
    calendar = office_hours(holidays=[date(2026, 12, 25)])

    deadline = calendar.add_business_seconds(local("2026-12-24 16:00"), 2 * HOUR)

    assert deadline == local("2026-12-28 09:00")
    assert calendar.business_seconds(local("2026-12-24 00:00"), local("2026-12-29 00:00")) == 18 * HOUR


def test_the_deadline_is_the_end_of_the_last_business_second_not_the_next_opening() -> None:
    calendar = office_hours()

    assert calendar.add_business_seconds(local("2026-11-30 16:00"), HOUR) == local("2026-11-30 17:00")


@pytest.mark.parametrize("weeks", [1, 2, 5])
def test_adding_exactly_whole_weeks_of_business_time_ends_on_friday_evening(weeks: int) -> None:
    calendar = office_hours()
    monday = local("2026-11-30 00:00")
    friday = datetime.combine(date(2026, 12, 4) + timedelta(weeks=weeks - 1), time(17), monday.tzinfo)
    next_monday = datetime.combine(friday.date() + timedelta(days=3), time(8, 0, 1), monday.tzinfo)

    assert calendar.add_business_seconds(monday, weeks * 45 * HOUR) == friday
    assert calendar.add_business_seconds(monday, weeks * 45 * HOUR + 1) == next_monday


def test_adding_months_of_business_time_skips_whole_weeks() -> None:
    calendar = office_hours(holidays=[date(2027, 1, 1)])

    deadline = calendar.add_business_seconds(local("2026-11-30 08:00"), 9 * HOUR * 25)

    # 25 working days from Monday 30 November: five weeks less New Year's Day, then Monday.
    assert deadline == local("2027-01-04 17:00")


def test_spring_forward_night_shift_loses_the_skipped_hour() -> None:
    calendar = office_hours(ranges=[("00:00", "06:00")], weekdays=[6])

    assert calendar.business_seconds(local("2026-03-29 00:00"), local("2026-03-30 00:00")) == 5 * HOUR
    assert calendar.add_business_seconds(local("2026-03-29 01:00"), 2 * HOUR) == local("2026-03-29 04:00")


def test_a_range_inside_the_spring_forward_gap_is_never_reached() -> None:
    calendar = office_hours(ranges=[("02:00", "03:00"), ("10:00", "11:00")], weekdays=[6])

    assert calendar.business_seconds(local("2026-03-29 00:00"), local("2026-03-30 00:00")) == HOUR


def test_fall_back_hour_is_counted_twice_in_new_york() -> None:
    calendar = BusinessCalendar.always("America/New_York")
    start = local("2026-11-01 00:00", "America/New_York")

    assert calendar.business_seconds(start, local("2026-11-01 03:00", "America/New_York")) == 4 * HOUR
    assert calendar.add_business_seconds(start, 25 * HOUR) == local("2026-11-02 00:00", "America/New_York")


def test_a_range_repeated_at_fall_back_counts_both_times_it_is_lived() -> None:
    calendar = office_hours(ranges=[("02:15", "02:45")], weekdays=[6])

    assert calendar.business_seconds(local("2026-10-25 00:00"), local("2026-10-26 00:00")) == 3600


def test_always_counts_every_second_and_returns_in_the_callers_timezone() -> None:
    calendar = BusinessCalendar.always()
    start = local("2026-03-28 22:00")

    # Python's aware arithmetic is wall-clock: +3 days across spring-forward is 71 real hours.
    assert calendar.business_seconds(start, start + timedelta(days=3)) == 71 * HOUR
    assert calendar.add_business_seconds(start, 8 * HOUR) == local("2026-03-29 07:00")
    assert calendar.add_business_seconds(start, 8 * HOUR).tzinfo == start.tzinfo


def test_overlapping_ranges_are_merged() -> None:
    calendar = office_hours(ranges=[("08:00", "12:00"), ("11:00", "13:00"), ("13:00", "14:00")])

    assert calendar.business_seconds(local("2026-11-30 00:00"), local("2026-12-01 00:00")) == 6 * HOUR


def test_sub_second_precision_is_kept_by_business_time() -> None:
    calendar = BusinessCalendar.always()
    start = datetime(2026, 1, 1, tzinfo=UTC)

    assert calendar.business_time(start, start + timedelta(microseconds=1500)) == timedelta(microseconds=1500)
    assert calendar.business_seconds(start, start + timedelta(microseconds=1_999_999)) == 1


def test_adding_nothing_returns_the_start_even_outside_working_hours() -> None:
    calendar = office_hours()
    start = local("2026-11-28 12:00")

    assert calendar.add_business_seconds(start, 0) == start


@pytest.mark.parametrize(
    ("timezone", "working_hours", "holidays", "field"),
    [
        ("Mars/Olympus", {0: (LocalTimeRange(time(8), time(9)),)}, frozenset(), "timezone"),
        ("", {0: (LocalTimeRange(time(8), time(9)),)}, frozenset(), "timezone"),
        ("UTC", {}, frozenset(), "working_hours"),
        ("UTC", {0: ()}, frozenset(), "working_hours"),
        ("UTC", {7: (LocalTimeRange(time(8), time(9)),)}, frozenset(), "working_hours"),
        ("UTC", {0: (LocalTimeRange(time(8), time(9)),)}, frozenset({datetime(2026, 1, 1)}), "holidays"),
    ],
)
def test_rejects_invalid_calendars(
    timezone: str, working_hours: dict[int, tuple[LocalTimeRange, ...]], holidays: frozenset[date], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        BusinessCalendar(timezone, working_hours, holidays)
    assert error.value.field == field


def test_rejects_naive_times_reversed_spans_and_negative_amounts() -> None:
    calendar = BusinessCalendar.always()
    moment = datetime(2026, 1, 1, tzinfo=UTC)

    with pytest.raises(InvalidInput):
        calendar.business_seconds(moment.replace(tzinfo=None), moment)
    with pytest.raises(InvalidInput):
        calendar.business_seconds(moment, moment - timedelta(seconds=1))
    with pytest.raises(InvalidInput):
        calendar.add_business_seconds(moment, -1)


def test_calendars_are_hashable_and_compare_by_value() -> None:
    assert office_hours() == office_hours()
    assert hash(office_hours()) == hash(office_hours())
    assert office_hours() != office_hours(holidays=[date(2026, 12, 25)])
