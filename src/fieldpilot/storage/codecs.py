"""JSON codecs for value objects stored in JSON columns, and for SLA policies stored as documents.

Every `*_to_json` returns plain JSON data (str, int, float, bool, None, list, dict); every
`*_from_json` rebuilds the frozen value object and so re-runs its validation. Times are ISO 8601
text; aware datetimes are written in UTC.

May import the domain and `fieldpilot.sla`; knows nothing of SQLAlchemy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fieldpilot.domain.resources import Absence, Certification, WeeklyShift
from fieldpilot.domain.values import (
    CustomerTier,
    LocalTimeRange,
    PartLine,
    Priority,
    SkillRequirement,
    TimeWindow,
)
from fieldpilot.domain.work_order import SlaLogEntry, SlaLogKind
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

Json = Any


def instant_to_json(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"refusing to store the naive datetime {value!r}: times are stored as aware UTC")
    return value.astimezone(UTC).isoformat()


def instant_from_json(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def optional_instant_from_json(value: str | None) -> datetime | None:
    return None if value is None else instant_from_json(value)


def time_range_to_json(value: LocalTimeRange) -> Json:
    return [value.start.isoformat(), value.end.isoformat()]


def time_range_from_json(data: Json) -> LocalTimeRange:
    return LocalTimeRange(time.fromisoformat(data[0]), time.fromisoformat(data[1]))


def window_to_json(value: TimeWindow) -> Json:
    return {"start": instant_to_json(value.start), "end": instant_to_json(value.end)}


def window_from_json(data: Json) -> TimeWindow:
    return TimeWindow(instant_from_json(data["start"]), instant_from_json(data["end"]))


def skill_requirement_to_json(value: SkillRequirement) -> Json:
    return {"skill": value.skill, "min_level": value.min_level}


def skill_requirement_from_json(data: Json) -> SkillRequirement:
    return SkillRequirement(data["skill"], data["min_level"])


def part_line_to_json(value: PartLine) -> Json:
    return {"part": value.part, "quantity": value.quantity}


def part_line_from_json(data: Json) -> PartLine:
    return PartLine(data["part"], data["quantity"])


def certification_to_json(value: Certification) -> Json:
    expires = None if value.expires_on is None else value.expires_on.isoformat()
    return {"code": value.code, "expires_on": expires}


def certification_from_json(data: Json) -> Certification:
    expires = data.get("expires_on")
    return Certification(data["code"], None if expires is None else date.fromisoformat(expires))


def weekly_shift_to_json(value: WeeklyShift) -> Json:
    return {
        "weekday": value.weekday,
        "start": value.start.isoformat(),
        "end": value.end.isoformat(),
        "breaks": [time_range_to_json(b) for b in value.breaks],
    }


def weekly_shift_from_json(data: Json) -> WeeklyShift:
    return WeeklyShift(
        weekday=data["weekday"],
        start=time.fromisoformat(data["start"]),
        end=time.fromisoformat(data["end"]),
        breaks=tuple(time_range_from_json(b) for b in data.get("breaks", ())),
    )


def absence_to_json(value: Absence) -> Json:
    return {"start": instant_to_json(value.start), "end": instant_to_json(value.end), "reason": value.reason}


def absence_from_json(data: Json) -> Absence:
    return Absence(instant_from_json(data["start"]), instant_from_json(data["end"]), data.get("reason", ""))


def sla_log_entry_to_json(value: SlaLogEntry) -> Json:
    return {
        "at": instant_to_json(value.at),
        "kind": value.kind.value,
        "policy_id": value.policy_id,
        "reason": value.reason,
    }


def sla_log_entry_from_json(data: Json) -> SlaLogEntry:
    return SlaLogEntry(
        at=instant_from_json(data["at"]),
        kind=SlaLogKind(data["kind"]),
        policy_id=data.get("policy_id"),
        reason=data.get("reason", ""),
    )


def calendar_to_json(value: BusinessCalendar) -> Json:
    return {
        "timezone": value.timezone,
        "working_hours": {
            str(day): [time_range_to_json(r) for r in ranges] for day, ranges in sorted(value.working_hours.items())
        },
        "holidays": sorted(day.isoformat() for day in value.holidays),
    }


def calendar_from_json(data: Json) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=data["timezone"],
        working_hours={
            int(day): tuple(time_range_from_json(r) for r in ranges) for day, ranges in data["working_hours"].items()
        },
        holidays=frozenset(date.fromisoformat(day) for day in data.get("holidays", ())),
    )


def sla_policy_to_json(policy: SlaPolicy) -> Json:
    """An SLA policy as one JSON document (the row of `sla_policies`)."""
    targets = policy.targets
    return {
        "id": policy.id,
        "name": policy.name,
        "targets": {
            "dispatch": targets.dispatch,
            "first_contact": targets.first_contact,
            "arrival": targets.arrival,
            "resolution": targets.resolution,
        },
        "calendar": calendar_to_json(policy.calendar),
        "priority": None if policy.priority is None else int(policy.priority),
        "tier": None if policy.tier is None else policy.tier.value,
        "service_type": policy.service_type,
        "pause_reasons": None if policy.pause_reasons is None else sorted(policy.pause_reasons),
        "at_risk_fraction": policy.at_risk_fraction,
    }


def sla_policy_from_json(data: Json) -> SlaPolicy:
    pause_reasons = data.get("pause_reasons")
    return SlaPolicy(
        id=data["id"],
        name=data["name"],
        targets=SlaTargets(**data["targets"]),
        calendar=calendar_from_json(data["calendar"]),
        priority=None if data.get("priority") is None else Priority(data["priority"]),
        tier=None if data.get("tier") is None else CustomerTier(data["tier"]),
        service_type=data.get("service_type"),
        pause_reasons=None if pause_reasons is None else frozenset(pause_reasons),
        at_risk_fraction=data.get("at_risk_fraction", 0.8),
    )
