"""The company's resources: skills, technicians, customers, sites, assets, parts, warehouses, users.

Entities are plain dataclasses without __slots__ and with identity equality, so storage can map
tables onto them imperatively.

Mutable entities carry a `version` that the service layer bumps on every change; the API exposes
it as an ETag so two people can never silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import (
    CustomerTier,
    LocalTimeRange,
    Location,
    Role,
    check_aware,
    check_code,
)


@dataclass(eq=False)
class Skill:
    code: str
    name: str
    description: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        check_code(self.code, field="code")
        if not self.name.strip():
            raise InvalidInput("name", "must not be empty")


@dataclass(frozen=True, slots=True)
class Certification:
    code: str
    expires_on: date | None = None

    def __post_init__(self) -> None:
        check_code(self.code, field="code")

    def valid_on(self, day: date) -> bool:
        return self.expires_on is None or day <= self.expires_on


@dataclass(frozen=True, slots=True)
class WeeklyShift:
    """Working hours on one weekday (0 = Monday), in the technician's timezone, with breaks."""

    weekday: int
    start: time
    end: time
    breaks: tuple[LocalTimeRange, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("weekday", "must be 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise InvalidInput("end", "shift end must be after its start")
        for brk in self.breaks:
            if brk.start < self.start or brk.end > self.end:
                raise InvalidInput("breaks", f"break {brk.start}-{brk.end} lies outside the shift")


@dataclass(frozen=True, slots=True)
class Absence:
    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        check_aware(self.start, field="start")
        check_aware(self.end, field="end")
        if self.end <= self.start:
            raise InvalidInput("end", "absence end must be after its start")


@dataclass(eq=False)
class Technician:
    id: str
    first_name: str
    last_name: str
    home_base: Location
    timezone: str = "UTC"
    skills: dict[str, int] = field(default_factory=dict)
    certifications: tuple[Certification, ...] = ()
    shifts: tuple[WeeklyShift, ...] = ()
    absences: tuple[Absence, ...] = ()
    van_stock: dict[str, int] = field(default_factory=dict)
    tools: frozenset[str] = frozenset()
    territories: frozenset[str] = frozenset()
    depot_id: str | None = None
    max_overtime_minutes: int = 0
    user_id: str | None = None
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        if not self.first_name.strip():
            raise InvalidInput("first_name", "must not be empty")
        for code, level in self.skills.items():
            check_code(code, field="skills")
            if not 1 <= level <= 5:
                raise InvalidInput("skills", f"level {level} of {code!r} is outside 1..5")
        for part, quantity in self.van_stock.items():
            check_code(part, field="van_stock")
            if quantity < 0:
                raise InvalidInput("van_stock", f"quantity of {part!r} is negative")
        if not 0 <= self.max_overtime_minutes <= 600:
            raise InvalidInput("max_overtime_minutes", "must be 0..600")
        weekdays = [s.weekday for s in self.shifts]
        if len(weekdays) != len(set(weekdays)):
            raise InvalidInput("shifts", "at most one shift per weekday")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def skill_level(self, skill: str) -> int:
        return self.skills.get(skill, 0)


@dataclass(eq=False)
class Customer:
    id: str
    name: str
    tier: CustomerTier = CustomerTier.STANDARD
    email: str | None = None
    phone: str | None = None
    excluded_technicians: frozenset[str] = frozenset()
    required_technicians: frozenset[str] = frozenset()
    version: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("name", "must not be empty")


@dataclass(eq=False)
class Site:
    id: str
    customer_id: str
    name: str
    address: str
    location: Location
    access_notes: str = ""
    territory: str | None = None
    version: int = 1


@dataclass(eq=False)
class Asset:
    id: str
    site_id: str
    model: str
    serial: str
    installed_on: date | None = None
    version: int = 1


@dataclass(eq=False)
class Part:
    code: str
    name: str
    unit_cost_cents: int = 0
    version: int = 1

    def __post_init__(self) -> None:
        check_code(self.code, field="code")
        if self.unit_cost_cents < 0:
            raise InvalidInput("unit_cost_cents", "must not be negative")


@dataclass(eq=False)
class Warehouse:
    id: str
    name: str
    location: Location
    stock: dict[str, int] = field(default_factory=dict)
    version: int = 1

    def __post_init__(self) -> None:
        for part, quantity in self.stock.items():
            check_code(part, field="stock")
            if quantity < 0:
                raise InvalidInput("stock", f"quantity of {part!r} is negative")


@dataclass(eq=False)
class User:
    id: str
    username: str
    password_hash: str
    role: Role
    full_name: str = ""
    technician_id: str | None = None
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        if not self.username.strip():
            raise InvalidInput("username", "must not be empty")
        if self.role is Role.TECHNICIAN and not self.technician_id:
            raise InvalidInput("technician_id", "a technician user must be linked to a technician")


@dataclass(eq=False)
class ApiKey:
    """An integration's key. Only a hash of the secret is kept; the prefix finds the row."""

    id: str
    name: str
    prefix: str
    secret_hash: str
    role: Role = Role.INTEGRATION
    created_at: datetime | None = None
    revoked: bool = False
