"""The dispatch snapshot kept between commands: brought up to date from the store's change log,
started over when it cannot tell, and always equal in its decisions to a fresh read."""

from __future__ import annotations

import gc
import random
import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.resources import Absence
from fieldpilot.domain.values import Location, SkillRequirement
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.problem import BreakWindow, DispatchProblem, PinKind, PlannedVisit, TechnicianState, Window
from fieldpilot.routing import Area, HaversineTravelTimes, LiveTraffic
from fieldpilot.service.fakes import FixedClock
from fieldpilot.service.snapshot import build_snapshot
from fieldpilot.service.warm_snapshot import GrowingMatrix, WarmSnapshots, _starting_at
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services
from tests.snapshots import assert_same_decisions, assert_same_snapshot

SITES = [Location(48.85 + 0.01 * k, 2.30 + 0.015 * k) for k in range(8)]


@pytest.fixture
def world() -> tuple[Services, FixedClock]:
    services, clock = memory_services(auto_dispatch=True, travel=HaversineTravelTimes())
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    for n, home in enumerate((Location(48.86, 2.35), Location(48.80, 2.25), Location(48.90, 2.40))):
        bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id=f"T-{n}", home_base=home)))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    for n, place in enumerate(SITES):
        bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(id=f"S-{n}", location=place)))
    return services, clock


def warm_of(services: Services) -> WarmSnapshots:
    assert services.dispatch.snapshots is not None
    return services.dispatch.snapshots


def create(services: Services, site: int) -> str:
    command = cmd.CreateWorkOrder(
        customer_id="C-1",
        site_id=f"S-{site}",
        service_type="boiler-repair",
        required_skills=(SkillRequirement("boiler", 2),),
    )
    return str(services.bus.handle(command)["id"])


def both(services: Services, clock: FixedClock, include: list[str] | None = None) -> DispatchProblem:
    """The warm snapshot, checked against a fresh read in the same unit of work."""
    wanted = include or []
    with services.uow_factory() as uow:
        warm = warm_of(services).snapshot(uow, now=clock.now(), include=wanted)
        fresh = build_snapshot(uow, now=clock.now(), timezone="UTC", travel=services.dispatch.travel, include=wanted)
    assert_same_snapshot(warm, fresh, params=services.dispatch.params)
    assert_same_decisions(warm, fresh, wanted, params=services.dispatch.params)
    return warm


def test_orders_dispatched_one_after_another_reuse_the_kept_snapshot(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    for site in range(6):
        create(services, site)
        clock.advance(minutes=4)
        both(services, clock)
    stats = warm_of(services).stats
    assert stats.warm >= 6 and stats.rebuilt == 1 and stats.fresh == 0
    assert sum(len(t.route) for t in both(services, clock).technicians) == 6


def test_an_order_changed_by_another_transaction_is_seen(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    first, second = create(services, 0), create(services, 1)
    both(services, clock)
    with services.uow_factory() as uow:
        order = uow.orders.get(first)
        assert order is not None
        version = order.version
    services.bus.handle(
        cmd.TransitionWorkOrder(order_id=first, action="unassign", expected_version=version, reason="test")
    )
    warm = both(services, clock, include=[first])
    assert first not in warm.assigned_technician and second in warm.assigned_technician
    assert warm_of(services).stats.rebuilt == 1  # brought up to date, not read again


def test_a_technician_changed_elsewhere_starts_the_snapshot_over(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    create(services, 0)
    both(services, clock)
    with services.uow_factory() as uow:
        tech = uow.technicians.get("T-0")
        assert tech is not None
    absence = Absence(start=clock.now(), end=clock.now() + timedelta(hours=4), reason="sick")
    services.bus.handle(
        cmd.UpdateResource(
            kind=ResourceKind.TECHNICIAN,
            key="T-0",
            changes={"absences": (absence,)},
            expected_version=tech.version,
        )
    )
    rebuilt = warm_of(services).stats.rebuilt
    warm = both(services, clock)
    assert warm_of(services).stats.rebuilt == rebuilt + 1
    assert warm.technician("T-0").absences


def test_a_replan_applied_meanwhile_is_picked_up(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    ids = [create(services, site) for site in range(5)]
    with services.uow_factory() as uow:  # give every booking to the farthest technician, behind the engine
        for n, order_id in enumerate(ids):
            order = uow.orders.get(order_id)
            assert order is not None and order.planned_start is not None
            order.technician_id = "T-2"
            order.planned_start = clock.now() + timedelta(hours=1 + n)
            order.eta_window = None
            order.version += 1
        uow.commit()
    both(services, clock)
    result = services.bus.handle(cmd.Replan(trigger="test", seed=1))
    assert result["applied"], result
    both(services, clock, include=ids)
    clock.advance(minutes=10)
    both(services, clock)


def test_uncommitted_changes_of_the_callers_unit_of_work_are_read_afresh_and_not_kept(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order_id = create(services, 0)
    both(services, clock)
    warm = warm_of(services)
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        assert order is not None and order.planned_start is not None
        order.planned_start += timedelta(minutes=45)
        fresh_before = warm.stats.fresh
        seen = warm.snapshot(uow, now=clock.now())
        assert warm.stats.fresh == fresh_before + 1
        assert seen.moment(seen.technician(seen.assigned_technician[order_id]).route[0].planned_start) == (
            order.planned_start
        )
        uow.rollback()
    kept = both(services, clock)
    with services.uow_factory() as uow:
        stored = uow.orders.get(order_id)
        assert stored is not None
        holder = kept.technician(kept.assigned_technician[order_id])
        assert kept.moment(holder.route[0].planned_start) == stored.planned_start


def test_time_moving_on_is_applied_without_a_new_read(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    create(services, 0)
    first = both(services, clock)
    clock.advance(minutes=20)
    later = both(services, clock)
    assert later.now == first.now + 20 * 60
    assert all(t.earliest_start >= later.now or t.route for t in later.technicians if t.shift_start < later.now)
    clock.advance(hours=1)  # a new hour: a new epoch, read again
    rebuilt = warm_of(services).stats.rebuilt
    both(services, clock)
    assert warm_of(services).stats.rebuilt == rebuilt + 1


def test_a_store_without_change_log_always_gets_a_fresh_read(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    warm = WarmSnapshots(services.dispatch.travel, "UTC")
    with services.uow_factory() as uow:
        uow.changes_since = lambda revision: None  # type: ignore[method-assign]
        warm.snapshot(uow, now=clock.now())
        warm.snapshot(uow, now=clock.now())
    assert (warm.stats.fresh, warm.stats.warm, warm.stats.rebuilt) == (2, 0, 0)


def test_a_time_lock_whose_start_has_passed_stops_fixing_the_start_without_a_new_read(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order_id = create(services, 0)  # auto-dispatched: booked, with an ETA
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        assert order is not None and order.planned_start is not None
        start, version = order.planned_start, order.version
    services.bus.handle(cmd.UpdateWorkOrder(order_id=order_id, changes={"lock": "time"}, expected_version=version))

    def pin() -> PinKind | None:
        problem = both(services, clock)
        return next(v.pin for t in problem.technicians for v in t.route if v.order_id == order_id)

    assert pin() is PinKind.LOCKED_TIME
    clock.advance(seconds=int((start - clock.now()).total_seconds()) + 60)  # same hour, past the locked start
    rebuilt = warm_of(services).stats.rebuilt
    assert pin() is PinKind.LOCKED
    assert warm_of(services).stats.rebuilt == rebuilt


def test_a_visit_moved_to_another_technician_leaves_no_ghost_on_the_first(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    ids = [create(services, site) for site in range(4)]
    both(services, clock)
    clock.advance(minutes=5)
    with services.uow_factory() as uow:
        order = uow.orders.get(ids[0])
        assert order is not None and order.technician_id is not None
        holder, version = order.technician_id, order.version
    # changed since the kept snapshot, so the move's own snapshot reads it again from its unit of work
    services.bus.handle(cmd.TransitionWorkOrder(order_id=ids[0], action="accept", expected_version=version))
    version += 1
    target = next(t for t in ("T-0", "T-1", "T-2") if t != holder)
    services.bus.handle(
        cmd.MoveVisit(order_id=ids[0], technician_id=target, expected_version=version, reason="customer asked")
    )
    clock.advance(minutes=1)
    create(services, 5)
    problem = both(services, clock)
    assert problem.assigned_technician[ids[0]] == target
    assert ids[0] not in [v.order_id for v in problem.technician(holder).route]


def test_a_technician_moved_to_a_later_start_is_the_replaced_state() -> None:
    state = build_state_for_copy()
    assert _starting_at(state, 9 * 3600) == replace(state, earliest_start=9 * 3600)
    assert _starting_at(state, 9 * 3600) is not state


def build_state_for_copy() -> TechnicianState:
    return TechnicianState(
        id="T-9",
        start_location=3,
        earliest_start=8 * 3600,
        end_location=4,
        shift_start=8 * 3600,
        shift_end=17 * 3600,
        name="Nine",
        skills={"boiler": 2},
        certifications=frozenset({"gas"}),
        tools=frozenset({"ladder"}),
        stock={"valve": 2},
        territories=frozenset({"north"}),
        max_overtime=1800,
        breaks=(BreakWindow(12 * 3600, 13 * 3600, 1800),),
        absences=(Window(15 * 3600, 16 * 3600),),
        served_customers=frozenset({"C-1"}),
        route=(PlannedVisit("O-1", 9 * 3600, PinKind.ON_SITE),),
    )


def test_a_snapshot_no_longer_kept_is_freed_without_waiting_for_the_cycle_collector(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    for site in range(3):
        create(services, site)
    warm = warm_of(services)
    gc.collect()
    gc.disable()
    try:
        with services.uow_factory() as uow:
            first = warm.snapshot(uow, now=clock.now())
            plan_of(first, params=services.dispatch.params)  # every route scheduled into its cache
            assert any(key[0] == "schedule" for key in first.memo if isinstance(key, tuple))
            gone = weakref.ref(first)
            del first
            clock.advance(minutes=1)
            second = warm.snapshot(uow, now=clock.now())
        assert gone() is None  # its schedules, which refer back to it, were dropped with its cache
        assert len(second.technicians) == 3
    finally:
        gc.enable()


EPOCH_10 = datetime(2026, 3, 2, 10, tzinfo=UTC)


class _NotSaidSymmetric:
    """The same blocks, from a provider that does not say they are symmetric."""

    def __init__(self, inner: HaversineTravelTimes) -> None:
        self.inner = inner
        self.revision = inner.revision
        self.congestion_profile = inner.congestion_profile
        self.free_flow_block = inner.free_flow_block


@pytest.mark.parametrize("symmetric", [True, False])
def test_the_kept_matrix_grown_by_new_places_equals_one_computed_over_all_of_them(symmetric: bool) -> None:
    rng = random.Random(3)
    places = [Location(45.6 + rng.uniform(0, 0.3), 4.7 + rng.uniform(0, 0.4)) for _ in range(700)]
    traffic = LiveTraffic([Area("centre", Location(45.76, 4.84), 5_000, 1.4)])
    travel = HaversineTravelTimes(traffic=traffic)
    grown = GrowingMatrix(travel if symmetric else _NotSaidSymmetric(travel), capacity=64)  # type: ignore[arg-type]
    for count in (1, 2, 300, 301, 302, 700):  # one place at a time, and blocks larger than a slice
        for place in places[len(grown.places.locations) : count]:
            grown.places.of(place)
        grown.flush()
    durations, distances = travel.free_flow(places)
    n = len(places)
    assert np.array_equal(grown.matrix(EPOCH_10).durations[:n, :n], durations)
    assert np.array_equal(grown.matrix(EPOCH_10).distances[:n, :n], distances)
