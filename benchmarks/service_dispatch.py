"""Latency of one real-time dispatch through the service layer: `CreateWorkOrder` with auto-dispatch
through the message bus, its handler and a unit of work (order created, SLA clock started, snapshot,
engine insertion, booking, decision record, commit), as the API runs it.

    fieldpilot bench insertion          (benchmarks/insertion_latency.py: the engine alone, then this)
    python benchmarks/insertion_latency.py --service-only --technicians 400 --orders 100 --not-started

A seeded company: technicians in a 40 km region (Lyon), each with V visits already booked around
their home from 08:05, on site at the first one (as at any moment of a working day: a technician
is at a job or driving to one; `--not-started` has nobody started yet, the worst case, since the
engine then re-times every route as the clock moves); new orders at random sites from 08:20, one
every 20 simulated seconds (the clock moves between orders, so the snapshot has to follow time).
The store is the in-memory one with a change log (the simulator's); the dispatch snapshot is kept
warm between orders (`service.warm_snapshot`); the first order of each run pays for the full read
(as does the first order of every hour: the snapshot's epoch is the top of the hour). `--fresh`
turns the warm snapshot off (every order reads the whole store, as with the SQL store, which keeps
no change log).
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.resources import Customer, Site, Skill, Technician, WeeklyShift
from fieldpilot.domain.values import LocalTimeRange, Location, SkillRequirement
from fieldpilot.domain.work_order import DispatchMode
from fieldpilot.routing import HaversineTravelTimes
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds
from fieldpilot.service.memory import MemoryDatabase
from fieldpilot.simulator.store import SimulationUnitOfWork

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CENTRE = Location(45.76, 4.84)
SKILLS = ("boiler", "electric", "hvac", "plumbing", "solar")


def _place(rng: random.Random, around: Location, km: float) -> Location:
    return Location(around.lat + rng.uniform(-km, km) / 111.0, around.lon + rng.uniform(-km, km) / 78.0)


def company(
    *, technicians: int, visits: int, seed: int, fresh: bool, on_site: bool = True
) -> tuple[Services, FixedClock, list[str]]:
    """A company with booked days; returns the services, the clock and the sites for new orders."""
    rng = random.Random(seed)
    clock = FixedClock(MONDAY_8AM + timedelta(minutes=5))
    db = MemoryDatabase()
    settings = Settings(
        environment="test",
        secret_key="b" * 40,
        check_migrations=False,
        timezone="UTC",
        auto_dispatch=True,
        replan_mode="off",
    )
    services = bootstrap(
        settings,
        uow_factory=lambda: SimulationUnitOfWork(db, clock.now),  # type: ignore[arg-type,return-value]
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(seed),
        hasher=PlainHasher(),
        travel=HaversineTravelTimes(),
    )
    if fresh and services.dispatch.snapshots is not None:
        services.dispatch.snapshots.blocks = None  # no block interface: every snapshot is a fresh read
    bus = services.bus
    for skill in SKILLS:
        bus.handle(cmd.CreateResource(ResourceKind.SKILL, Skill(code=skill, name=skill.title())))
    week = tuple(
        WeeklyShift(d, clock_time(8), clock_time(17), (LocalTimeRange(clock_time(12), clock_time(12, 30)),))
        for d in range(5)
    )
    homes = []
    for t in range(technicians):
        home = _place(rng, CENTRE, 20.0)
        homes.append(home)
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)}
        tech = Technician(f"T-{t:04d}", "Tech", f"{t}", home, skills=skills, shifts=week, max_overtime_minutes=60)
        bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, tech))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, Customer(id="C-1", name="Customer")))
    for t, home in enumerate(homes):
        tech = f"T-{t:04d}"
        with services.uow_factory() as uow:
            levels = uow.technicians.get(tech).skills  # type: ignore[union-attr]
        for k in range(visits):
            site = f"S-{t:04d}-{k:02d}"
            bus.handle(cmd.CreateResource(ResourceKind.SITE, _site(site, _place(rng, home, 3.0))))
            skill = rng.choice(sorted(levels))
            view = bus.handle(
                cmd.CreateWorkOrder(
                    customer_id="C-1",
                    site_id=site,
                    service_type="repair",
                    required_skills=(SkillRequirement(skill, 1),),
                    estimated_duration_minutes=25,
                    dispatch_mode=DispatchMode.MANUAL,
                )
            )
            view = bus.handle(
                cmd.TransitionWorkOrder(
                    order_id=str(view["id"]),
                    action="assign",
                    expected_version=int(view["version"]),
                    technician_id=tech,
                    planned_start=MONDAY_8AM + timedelta(minutes=5 + 40 * k),
                )
            )
            if k == 0 and on_site:  # the technician is at work on their first visit
                for action in ("accept", "start_travel", "arrive"):
                    view = bus.handle(
                        cmd.TransitionWorkOrder(
                            order_id=str(view["id"]), action=action, expected_version=int(view["version"])
                        )
                    )
    clock.advance(minutes=15)  # 08:20: up to 120 orders 20 s apart stay inside the snapshot's hour
    new_sites = []
    for n in range(400):
        site = f"N-{n:04d}"
        bus.handle(cmd.CreateResource(ResourceKind.SITE, _site(site, _place(rng, CENTRE, 20.0))))
        new_sites.append(site)
    return services, clock, new_sites


def _site(key: str, location: Location) -> Site:
    return Site(
        id=key, customer_id="C-1", name=key, address=f"{location.lat:.5f}, {location.lon:.5f}", location=location
    )


def measure(
    *,
    technicians: int,
    visits: int,
    orders: int,
    seed: int,
    fresh: bool = False,
    on_site: bool = True,
    freeze_gc: bool = False,
) -> None:
    began = time.perf_counter()
    services, clock, sites = company(technicians=technicians, visits=visits, seed=seed, fresh=fresh, on_site=on_site)
    setup = time.perf_counter() - began
    if freeze_gc:  # what a long-lived server does once loaded: no full GC walks over what it holds
        gc.collect()
        gc.freeze()
    rng = random.Random(seed + 1)
    wall: list[float] = []
    cpu: list[float] = []
    assigned = 0
    for n in range(orders + 1):
        clock.advance(seconds=20)
        command = cmd.CreateWorkOrder(
            customer_id="C-1",
            site_id=sites[n % len(sites)],
            service_type="repair",
            required_skills=(SkillRequirement(rng.choice(SKILLS), rng.randint(1, 4)),),
            estimated_duration_minutes=rng.choice((30, 45, 60)),
        )
        start, start_cpu = time.perf_counter(), time.thread_time()
        view = services.bus.handle(command)
        if n == 0:
            first = (time.perf_counter() - start) * 1000
            continue
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        assigned += view["status"] == "assigned"
    mode = "fresh snapshot per order" if fresh else "warm snapshot"
    mode += ", at work on their first visit" if on_site else ", no visit started yet"
    mode += ", gc frozen after set-up" if freeze_gc else ""
    print(
        f"{technicians:>5} technicians x {visits} visits, service path ({mode}): {orders} orders "
        f"({assigned} assigned); set-up {setup:.0f} s, first order {first:.0f} ms"
    )
    for label, values in (("wall", wall), ("cpu", cpu)):
        print(
            f"      service {label:<4}  p50 {statistics.median(values):7.2f} ms"
            f"   p99 {percentile(values, 0.99):7.2f} ms   max {max(values):7.2f} ms"
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
