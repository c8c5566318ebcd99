"""Plain builders for SLA tests: calendars, policies and log entries with sensible defaults."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fieldpilot.domain.values import LocalTimeRange
from fieldpilot.domain.work_order import SlaLogEntry, SlaLogKind
from fieldpilot.sla import BusinessCalendar, SlaPolicy, SlaTargets

BERLIN = "Europe/Berlin"


def local(text: str, tz: str = BERLIN) -> datetime:
    """'2026-12-24 16:00' as an aware datetime in `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def office_hours(
    *,
    tz: str = BERLIN,
    ranges: Iterable[tuple[str, str]] = (("08:00", "17:00"),),
    weekdays: Iterable[int] = range(5),
    holidays: Iterable[date] = (),
) -> BusinessCalendar:
    day = tuple(LocalTimeRange(time.fromisoformat(s), time.fromisoformat(e)) for s, e in ranges)
    return BusinessCalendar(tz, dict.fromkeys(weekdays, day), frozenset(holidays))


def a_policy(**overrides: Any) -> SlaPolicy:
    policy = SlaPolicy(
        id="p3",
        name="P3 standard",
        targets=SlaTargets(dispatch=60, first_contact=120, arrival=240, resolution=480),
        calendar=office_hours(),
    )
    return replace(policy, **overrides)


def start(at: datetime, policy_id: str = "p3") -> SlaLogEntry:
    return SlaLogEntry(at, SlaLogKind.START, policy_id=policy_id)


def pause(at: datetime, reason: str = "customer") -> SlaLogEntry:
    return SlaLogEntry(at, SlaLogKind.PAUSE, reason=reason)


def resume(at: datetime) -> SlaLogEntry:
    return SlaLogEntry(at, SlaLogKind.RESUME)


def switch(at: datetime, policy_id: str) -> SlaLogEntry:
    return SlaLogEntry(at, SlaLogKind.POLICY, policy_id=policy_id)
