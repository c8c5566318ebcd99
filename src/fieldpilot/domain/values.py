"""Value objects: small immutable things that validate themselves."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from fieldpilot.domain.errors import InvalidInput

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def check_code(value: str, *, field: str) -> str:
    """A catalogue code: lowercase letters, digits, '_', '.', '-' (1-64 characters)."""
    if not CODE_PATTERN.match(value):
        raise InvalidInput(field, f"{value!r} is not a code (lowercase letters, digits, '_', '.', '-')")
    return value


def check_aware(value: datetime, *, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field, "must carry a timezone offset")
    return value


class Priority(enum.IntEnum):
    """P1 is the most urgent."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class CustomerTier(enum.StrEnum):
    STANDARD = "standard"
    PRIORITY = "priority"
    VIP = "vip"


class Channel(enum.StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    IOT = "iot"
    API = "api"


class Role(enum.StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    MANAGER = "manager"
    TECHNICIAN = "technician"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Location:
    """A point on Earth, WGS84 degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise InvalidInput("lat", f"latitude {self.lat} is outside -90..90")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise InvalidInput("lon", f"longitude {self.lon} is outside -180..180")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open interval [start, end) of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        check_aware(self.start, field="start")
        check_aware(self.end, field="end")
        if self.end <= self.start:
            raise InvalidInput("end", "must be after start")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, other: TimeWindow) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    skill: str
    min_level: int = 1

    def __post_init__(self) -> None:
        check_code(self.skill, field="skill")
        if not 1 <= self.min_level <= 5:
            raise InvalidInput("min_level", f"skill level {self.min_level} is outside 1..5")


@dataclass(frozen=True, slots=True)
class PartLine:
    """A quantity of one part, required by an order or carried on a van."""

    part: str
    quantity: int = 1

    def __post_init__(self) -> None:
        check_code(self.part, field="part")
        if self.quantity < 1:
            raise InvalidInput("quantity", "must be at least 1")


@dataclass(frozen=True, slots=True)
class LocalTimeRange:
    """A daily range of local wall-clock time, e.g. 08:00-17:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("end", "must be after start")
