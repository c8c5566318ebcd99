"""The demo company generator: seeded, plausible, and loadable through the real bus.

Pure and fast (in-memory unit of work); the SQLite round trip is in test_demo.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.demo import DemoClock, load_demo, plan_demo
from fieldpilot.demo.catalogue import SKILL_CODES
from fieldpilot.demo.geography import CENTRE, RADIUS_KM, distance_km
from fieldpilot.domain.values import CustomerTier
from fieldpilot.service.fakes import PlainHasher, SeededSecrets, SequentialIds
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from tests.builders import settings_for_tests

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_the_same_seed_gives_the_same_company_and_day() -> None:
    first, second = plan_demo(seed=5, now=NOW), plan_demo(seed=5, now=NOW)

    assert [t.name for t in first.company.technicians] == [t.name for t in second.company.technicians]
    assert [s.location for s in first.company.sites] == [s.location for s in second.company.sites]
    assert [o.command for o in first.orders] == [o.command for o in second.orders]


def test_another_seed_gives_another_company() -> None:
    first, other = plan_demo(seed=5, now=NOW), plan_demo(seed=6, now=NOW)

    assert [s.location for s in first.company.sites] != [s.location for s in other.company.sites]


def test_the_company_has_the_advertised_shape() -> None:
    company = plan_demo(seed=2026, now=NOW).company
    skills = set(SKILL_CODES)

    assert len(company.technicians) == 40
    assert len(company.warehouses) == 2
    assert len(company.customers) == 300
    assert len(company.sites) >= 300
    assert set(Counter(c.tier for c in company.customers)) == set(CustomerTier)
    assert all(set(t.skills) <= skills and t.skills for t in company.technicians)
    assert all(t.shifts and all(s.breaks for s in t.shifts if s.weekday < 5) for t in company.technicians)
    assert {frozenset(t.territories) for t in company.technicians} >= {
        frozenset({"north"}),
        frozenset({"south"}),
    }
    assert all(distance_km(CENTRE, s.location) <= RADIUS_KM + 2 for s in company.sites)


def test_some_certifications_expire_within_a_month() -> None:
    company = plan_demo(seed=2026, now=NOW).company
    soon = NOW.date() + timedelta(days=30)

    expiring = [
        c
        for t in company.technicians
        for c in t.certifications
        if c.expires_on is not None and NOW.date() <= c.expires_on <= soon
    ]

    assert expiring


def test_orders_arrived_today_and_booked_slots_never_overlap() -> None:
    plan = plan_demo(seed=2026, now=NOW)
    slots: dict[str, list[datetime]] = defaultdict(list)

    for order in plan.orders:
        assert NOW - timedelta(hours=10) <= order.created_at <= NOW
        if order.technician_id and order.planned_start:
            slots[order.technician_id].append(order.planned_start)

    assert len(plan.orders) == 120
    assert {o.command.channel for o in plan.orders} >= {"phone", "web", "app", "iot", "api"}
    for starts in slots.values():
        starts.sort()
        assert all(b - a >= timedelta(minutes=60) for a, b in pairwise(starts))


def test_loading_goes_through_the_bus_and_a_second_load_adds_nothing() -> None:
    plan = plan_demo(seed=3, now=NOW, technicians=6, customers=20, orders=25)
    clock = DemoClock(NOW)
    services = _memory_services(clock)

    first = load_demo(plan, bus=services.bus, clock=clock)
    second = load_demo(plan, bus=services.bus, clock=clock)

    assert first.created["work_order"] == 25
    assert first.created["technician"] == 6
    assert sum(second.created.values()) == 0
    with services.uow_factory() as uow:
        orders = uow.orders.open_orders()
    assert len(orders) == 25
    assert "new" in {o.status.value for o in orders}
    assert {o.status.value for o in orders} & {"assigned", "accepted", "en_route"}
    assert all(o.sla_policy_id for o in orders)  # every priority x tier has a policy


def _memory_services(clock: DemoClock) -> Services:
    db = MemoryDatabase()
    return bootstrap(
        settings_for_tests().model_copy(update={"auto_dispatch": False}),
        uow_factory=lambda: MemoryUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(1),
        hasher=PlainHasher(),
    )
