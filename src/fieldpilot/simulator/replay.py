"""Replay real history: a CSV of past orders and one of technicians become a simulated day.

orders.csv      created (ISO 8601 with offset), lat, lon, service_type, duration_minutes,
                optional: priority (1-4), skill, min_level, estimated_minutes
technicians.csv id, lat, lon, shift_start (HH:MM), shift_end, skills ("hvac:2;plumbing:1"),
                optional: break_start (HH:MM), break_minutes, max_overtime_minutes

Times are taken in UTC; every order of the day of the first order is replayed with its recorded
duration (the technician who did it is unknown, so everyone works at the recorded pace). The
scenario supplies SLA targets and the travel model; generated disruptions are off, because the
history already contains what went wrong. The seed only varies the trips' traffic.

May import: fieldpilot.domain, simulator modules and the standard library.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.resources import Technician, WeeklyShift
from fieldpilot.domain.values import CustomerTier, LocalTimeRange, Location, Priority
from fieldpilot.simulator.generate import Arrival, Day, TechnicianPlan
from fieldpilot.simulator.scenario import Disruptions, Jams, Scenario


def load_replay(scenario: Scenario, *, orders: Path, technicians: Path) -> Callable[[int], Day]:
    """A function seed -> Day replaying the files (read and checked once, here)."""
    order_rows = _rows(orders, required=("created", "lat", "lon", "service_type", "duration_minutes"))
    tech_rows = _rows(technicians, required=("id", "lat", "lon", "shift_start", "shift_end", "skills"))
    if not order_rows or not tech_rows:
        raise InvalidInput("replay", "both files need at least one row")
    created = [_moment(r["created"], line=n) for n, r in enumerate(order_rows, start=2)]
    start = datetime.combine(created[0].astimezone(UTC).date(), time(0), tzinfo=UTC)
    quiet = dataclasses.replace(
        scenario,
        day=start.date(),
        disruptions=Disruptions(0.0, (1.0, 1.0), 0.0, 0.0, 10, 0, Jams(count=0)),
    )
    plans = tuple(_technician(row, line=n, weekday=start.weekday()) for n, row in enumerate(tech_rows, start=2))
    depots = tuple(dict.fromkeys(p.technician.home_base for p in plans))
    skills = tuple(sorted({s for p in plans for s in p.technician.skills}))
    arrivals: list[Arrival] = []
    for n, (row, at) in enumerate(zip(order_rows, created, strict=True), start=2):
        second = int((at - start).total_seconds())
        if not 0 <= second < 86_400:
            continue
        arrivals.append(_arrival(row, line=n, index=len(arrivals) + 1, second=second, scenario=scenario, skills=skills))
    arrivals.sort(key=lambda a: (a.second, a.index))
    ordered = tuple(dataclasses.replace(a, index=i + 1) for i, a in enumerate(arrivals))
    skills = tuple(sorted(set(skills) | {a.skill for a in ordered}))

    def day(seed: int) -> Day:
        base = Day(quiet, seed, start, depots, plans, ordered, (), skills)
        placed = tuple(dataclasses.replace(a, territory=base.territory_of(a.location)) for a in ordered)
        return dataclasses.replace(base, arrivals=placed)

    return day


def _rows(path: Path, *, required: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(path.name, f"missing column(s): {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def _moment(text: str, *, line: int) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("created", f"line {line}: {text!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _number(row: dict[str, str], key: str, *, line: int, default: float | None = None) -> float:
    text = row.get(key, "")
    if not text:
        if default is None:
            raise InvalidInput(key, f"line {line}: missing")
        return default
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(key, f"line {line}: {text!r} is not a number") from None


def _skills(text: str, *, line: int) -> dict[str, int]:
    held = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, _, level = part.partition(":")
        try:
            held[code.strip()] = int(level or 1)
        except ValueError:
            raise InvalidInput("skills", f"line {line}: {part!r} is not skill:level") from None
    return held


def _technician(row: dict[str, str], *, line: int, weekday: int) -> TechnicianPlan:
    start, end = time.fromisoformat(row["shift_start"]), time.fromisoformat(row["shift_end"])
    breaks: tuple[LocalTimeRange, ...] = ()
    break_start, break_seconds = None, 0
    if row.get("break_start"):
        begin = time.fromisoformat(row["break_start"])
        minutes = int(_number(row, "break_minutes", line=line, default=30))
        finish = (datetime.combine(datetime(2000, 1, 1), begin) + timedelta(minutes=minutes)).time()
        breaks = (LocalTimeRange(begin, finish),)
        break_start, break_seconds = begin.hour * 3600 + begin.minute * 60, minutes * 60
    tech = Technician(
        id=row["id"],
        first_name=row["id"],
        last_name="",
        home_base=Location(_number(row, "lat", line=line), _number(row, "lon", line=line)),
        skills=_skills(row["skills"], line=line),
        shifts=(WeeklyShift(weekday=weekday, start=start, end=end, breaks=breaks),),
        max_overtime_minutes=int(_number(row, "max_overtime_minutes", line=line, default=60)),
    )
    return TechnicianPlan(
        technician=tech,
        depot=0,
        speed=1.0,
        shift_start=start.hour * 3600 + start.minute * 60,
        shift_end=end.hour * 3600 + end.minute * 60,
        break_start=break_start,
        break_seconds=break_seconds,
    )


def _arrival(
    row: dict[str, str], *, line: int, index: int, second: int, scenario: Scenario, skills: tuple[str, ...]
) -> Arrival:
    kind = next((s for s in scenario.service_types if s.code == row["service_type"]), None)
    duration = _number(row, "duration_minutes", line=line)
    skill = row.get("skill") or (kind.skill if kind else (skills[0] if skills else "general"))
    estimated = _number(row, "estimated_minutes", line=line, default=kind.mean_minutes if kind else duration)
    return Arrival(
        index=index,
        second=second,
        location=Location(_number(row, "lat", line=line), _number(row, "lon", line=line)),
        service_type=row["service_type"],
        skill=skill,
        min_level=int(_number(row, "min_level", line=line, default=kind.min_level if kind else 1)),
        priority=Priority(int(_number(row, "priority", line=line, default=3))),
        tier=CustomerTier.STANDARD,
        estimated_minutes=max(5, round(estimated)),
        median_minutes=duration,
        noise=1.0,
    )
