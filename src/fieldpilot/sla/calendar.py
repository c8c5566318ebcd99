"""Business calendars: when the SLA clock may run (timezone, weekly working hours, holidays).

A moment is business time when its local wall-clock time, in the calendar's timezone, falls in
one of the working ranges of its local weekday and its local date is not a holiday. That one
definition settles daylight-saving changes: a range that lies in a spring-forward gap is simply
never reached, and an hour repeated at fall-back counts twice (it is lived twice).

The arithmetic works on integer microseconds and whole days (weeks are skipped in one step), so
the cost grows with the number of days spanned, never with minutes. Standard library and
`fieldpilot.domain` only; no I/O.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import LocalTimeRange, check_aware

US = 1_000_000
DAY_US = 86_400 * US
WEEK_DAYS = 7
_ONE_US = timedelta(microseconds=1)
_BASE = datetime(1, 1, 1, tzinfo=UTC)  # instants are counted in µs from here (day index 0 = Monday)
# How far apart offset probes are; an offset change that is undone within a day would be missed.
_PROBE_US = DAY_US


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since 0001-01-01 UTC."""
    return (moment - _BASE) // _ONE_US


def from_us(value: int) -> datetime:
    """The UTC datetime of `to_us` microseconds."""
    return _BASE + timedelta(microseconds=value)


def _time_us(moment: time, *, is_end: bool) -> int:
    # LocalTimeRange cannot say 24:00, so an end of time.max (23:59:59.999999) means midnight.
    if is_end and moment == time.max:
        return DAY_US
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * US + moment.microsecond


def _merge(ranges: tuple[LocalTimeRange, ...]) -> tuple[tuple[int, int], ...]:
    spans = sorted((_time_us(r.start, is_end=False), _time_us(r.end, is_end=True)) for r in ranges)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of one SLA policy: IANA timezone, ranges per weekday (0 = Monday), holidays.

    Overlapping or touching ranges of a day are merged. A calendar without any working time in a
    week is rejected, so every addition of business time ends.
    """

    timezone: str
    working_hours: Mapping[int, tuple[LocalTimeRange, ...]] = field(hash=False)
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _ranges: tuple[tuple[tuple[int, int], ...], ...] = field(init=False, repr=False, compare=False, hash=False)
    _day_total: tuple[int, ...] = field(init=False, repr=False, compare=False, hash=False)
    _holiday_days: tuple[int, ...] = field(init=False, repr=False, compare=False, hash=False)
    _holiday_set: frozenset[int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise InvalidInput("timezone", f"{self.timezone!r} is not an IANA timezone") from error
        for weekday, day_ranges in self.working_hours.items():
            if not (isinstance(weekday, int) and 0 <= weekday < WEEK_DAYS):
                raise InvalidInput("working_hours", f"weekday {weekday!r} is outside 0..6 (0 = Monday)")
            if not all(isinstance(r, LocalTimeRange) for r in day_ranges):
                raise InvalidInput("working_hours", "each range must be a LocalTimeRange")
        if not all(type(day) is date for day in self.holidays):
            raise InvalidInput("holidays", "each holiday must be a date")
        ranges = tuple(_merge(tuple(self.working_hours.get(day, ()))) for day in range(WEEK_DAYS))
        day_total = tuple(sum(end - start for start, end in day) for day in ranges)
        if sum(day_total) == 0:
            raise InvalidInput("working_hours", "the calendar has no working time in a week")
        holiday_days = tuple(sorted(day.toordinal() - 1 for day in self.holidays))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_ranges", ranges)
        object.__setattr__(self, "_day_total", day_total)
        object.__setattr__(self, "_holiday_days", holiday_days)
        object.__setattr__(self, "_holiday_set", frozenset(holiday_days))

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Round the clock, every day, no holidays (24x7)."""
        whole_day = (LocalTimeRange(time.min, time.max),)
        return cls(timezone, dict.fromkeys(range(WEEK_DAYS), whole_day))

    # -- public arithmetic --------------------------------------------------------------------

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Whole seconds of business time in [start, end)."""
        return self.business_time(start, end) // timedelta(seconds=1)

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest moment at which `seconds` of business time have elapsed since `start`."""
        return self.add_business_time(start, timedelta(seconds=seconds))

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """Business time in [start, end), exact to the microsecond."""
        check_aware(start, field="start")
        check_aware(end, field="end")
        if end < start:
            raise InvalidInput("end", "must not be before start")
        return timedelta(microseconds=self.business_us(to_us(start), to_us(end)))

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest moment at which `amount` of business time has elapsed since `start`."""
        check_aware(start, field="start")
        if amount < timedelta(0):
            raise InvalidInput("amount", "must not be negative")
        return from_us(self.add_business_us(to_us(start), amount // _ONE_US)).astimezone(start.tzinfo)

    # -- microsecond arithmetic (instants from `to_us`) ---------------------------------------

    def business_us(self, start: int, end: int) -> int:
        """Business microseconds in [start, end)."""
        total = 0
        position = start
        while position < end:
            offset = self._offset_us(position)
            segment_end = self._offset_change(position, offset, end)
            total += self._local_business(position + offset, segment_end + offset)
            position = segment_end
        return total

    def add_business_us(self, start: int, amount: int) -> int:
        """The earliest instant at which `amount` business microseconds have elapsed."""
        position = start
        horizon = _PROBE_US  # doubles, so a long addition costs few chunks and skips whole weeks
        while True:
            offset = self._offset_us(position)
            segment_end = self._offset_change(position, offset, position + horizon)
            reached, amount = self._local_add(position + offset, amount, segment_end + offset)
            if amount == 0:
                return reached - offset
            position = segment_end
            horizon = min(2 * horizon, 64 * DAY_US)

    # -- offsets -------------------------------------------------------------------------------

    def _offset_us(self, instant: int) -> int:
        offset = from_us(instant).astimezone(self._zone).utcoffset()
        assert offset is not None  # a ZoneInfo always answers
        return offset // _ONE_US

    def _offset_change(self, start: int, offset: int, limit: int) -> int:
        """The first instant in (start, limit] whose UTC offset differs from `offset`, else limit."""
        probe = start
        while probe < limit:
            following = min(probe + _PROBE_US, limit)
            if self._offset_us(following) != offset:
                # Offsets change on whole seconds: bisect over seconds in (probe, following].
                low, high = probe // US, -(-following // US)
                while high - low > 1:
                    middle = (low + high) // 2
                    if self._offset_us(middle * US) != offset:
                        high = middle
                    else:
                        low = middle
                return min(high * US, following)
            probe = following
        return limit

    # -- local wall-clock arithmetic (no offset changes inside) --------------------------------

    def _day_overlap(self, day: int, start: int, end: int) -> int:
        if day in self._holiday_set:
            return 0
        total = 0
        for range_start, range_end in self._ranges[day % WEEK_DAYS]:
            total += max(0, min(end, range_end) - max(start, range_start))
        return total

    def _full_days(self, first: int, stop: int) -> int:
        """Business microseconds of the whole local days first..stop-1."""
        weeks, rest = divmod(stop - first, WEEK_DAYS)
        total = weeks * sum(self._day_total)
        total += sum(self._day_total[(first + i) % WEEK_DAYS] for i in range(rest))
        low = bisect_left(self._holiday_days, first)
        high = bisect_left(self._holiday_days, stop)
        total -= sum(self._day_total[day % WEEK_DAYS] for day in self._holiday_days[low:high])
        return total

    def _local_business(self, start: int, end: int) -> int:
        first, last = start // DAY_US, end // DAY_US
        if first == last:
            return self._day_overlap(first, start - first * DAY_US, end - first * DAY_US)
        total = self._day_overlap(first, start - first * DAY_US, DAY_US)
        total += self._full_days(first + 1, last)
        return total + self._day_overlap(last, 0, end - last * DAY_US)

    def _local_add(self, start: int, amount: int, limit: int) -> tuple[int, int]:
        """Walk from `start` until `amount` is used up or `limit` is reached: (where, amount left)."""
        position = start
        while amount > 0 and position < limit:
            day = position // DAY_US
            day_start = day * DAY_US
            if day_start == position and limit - position >= WEEK_DAYS * DAY_US:
                week = self._full_days(day, day + WEEK_DAYS)
                if amount > week:  # the target lies beyond this week: skip it in one step
                    amount -= week
                    position += WEEK_DAYS * DAY_US
                    continue
            if day not in self._holiday_set:
                for range_start, range_end in self._ranges[day % WEEK_DAYS]:
                    begin = max(day_start + range_start, position)
                    finish = min(day_start + range_end, limit)
                    if finish <= begin:
                        continue
                    if finish - begin >= amount:
                        return begin + amount, 0
                    amount -= finish - begin
            position = min(day_start + DAY_US, limit)
        return position, amount
