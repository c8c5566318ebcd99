"""Plain builder functions with defaults, shared by the test tiers: `a_technician(**overrides)`."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain.resources import Customer, Part, Site, Skill, Technician, WeeklyShift
from fieldpilot.domain.values import CustomerTier, LocalTimeRange, Location, Priority
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from fieldpilot.service.ports import BatchSolver, TravelTimes
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def settings_for_tests(**overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "environment": "test",
        "secret_key": "t" * 40,
        "check_migrations": False,
        "timezone": "UTC",
        "auto_dispatch": False,
        "replan_mode": "off",
        "replan_max_iterations": 300,
    }
    fields.update(overrides)
    return Settings(**fields)


def memory_services(
    now: datetime = MONDAY_9AM,
    *,
    solver: BatchSolver | None = None,
    travel: TravelTimes | None = None,
    **settings: Any,
) -> tuple[Services, FixedClock]:
    clock = FixedClock(now)
    db = MemoryDatabase()
    services = bootstrap(
        settings_for_tests(**settings),
        uow_factory=lambda: MemoryUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(7),
        hasher=PlainHasher(),
        travel=travel or StraightLineTravel(),
        solver=solver,
    )
    return services, clock


def a_technician(**overrides: Any) -> Technician:
    weekdays = [
        WeeklyShift(weekday=d, start=time(8), end=time(17), breaks=(LocalTimeRange(time(12), time(12, 30)),))
        for d in range(5)
    ]
    fields: dict[str, Any] = {
        "id": "T-1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "home_base": Location(48.85, 2.35),
        "skills": {"boiler": 3},
        "shifts": tuple(weekdays),
    }
    fields.update(overrides)
    return Technician(**fields)


def a_customer(**overrides: Any) -> Customer:
    fields: dict[str, Any] = {"id": "C-1", "name": "Boulangerie Dupont", "tier": CustomerTier.STANDARD}
    fields.update(overrides)
    return Customer(**fields)


def a_site(**overrides: Any) -> Site:
    fields: dict[str, Any] = {
        "id": "S-1",
        "customer_id": "C-1",
        "name": "Main shop",
        "address": "1 rue de Rivoli, Paris",
        "location": Location(48.86, 2.34),
    }
    fields.update(overrides)
    return Site(**fields)


def a_skill(code: str = "boiler") -> Skill:
    return Skill(code=code, name=code.title())


def a_part(code: str = "valve-22") -> Part:
    return Part(code=code, name=code)


def an_sla_policy(**overrides: Any) -> SlaPolicy:
    fields: dict[str, Any] = {
        "id": "p3-standard",
        "name": "P3 standard",
        "targets": SlaTargets(dispatch=60, first_contact=120, arrival=480, resolution=960),
        "calendar": BusinessCalendar.always(),
        "priority": Priority.P3,
    }
    fields.update(overrides)
    return SlaPolicy(**fields)
