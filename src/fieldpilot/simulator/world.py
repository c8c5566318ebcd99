"""The simulated world around the service layer: the company set up through the bus, and the roads.

`build_world(day, auto_dispatch=...)` wires the real composition root (`bootstrap`) onto the
simulator's in-memory store and the kernel's clock, then creates skills, SLA policies, depots,
technicians, customers and sites with `CreateResource` commands, as an administrator would.

`Roads` is the ground truth of travel: the planning model's time scaled by the time-of-day
congestion, a per-trip deviation (drawn from a hash of the trip and the seed, so every policy
driving the same trip at the same hour meets the same traffic) and jams. The engine never sees it;
the difference is what ETA errors are made of.

May import: fieldpilot.bootstrap, config, service, sla, domain, routing and simulator modules.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any, cast

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain.commands import CreateResource, ResourceKind
from fieldpilot.domain.resources import Customer, Site, Skill, Warehouse
from fieldpilot.domain.values import Location, Priority
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.routing import Area, HaversineTravelTimes, LiveTraffic, SpeedProfile
from fieldpilot.service.fakes import PlainHasher, SeededSecrets, SequentialIds
from fieldpilot.service.memory import MemoryDatabase
from fieldpilot.service.ports import TravelTimes
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.simulator.generate import Day, distance_km
from fieldpilot.simulator.kernel import Kernel
from fieldpilot.simulator.store import SimulationUnitOfWork
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

ADMIN = "sim-admin"


def speed_profile(day: Day) -> SpeedProfile:
    travel = day.scenario.travel
    return SpeedProfile(
        road_factor=travel.road_factor,
        urban_kmh=travel.urban_kmh,
        arterial_kmh=travel.arterial_kmh,
        highway_kmh=travel.highway_kmh,
        urban_km=travel.urban_km,
        arterial_km=travel.arterial_km,
        congestion=travel.quarter_hours,
    )


def jam_areas(day: Day) -> list[Area]:
    return [
        Area(name=f"jam-{n + 1}", center=jam.center, radius_metres=jam.radius_km * 1000)
        for n, jam in enumerate(day.jams)
    ]


def planning_travel(day: Day, traffic: LiveTraffic) -> TravelTimes:
    """The travel model the service layer plans with: routing's default provider, on the
    scenario's road profile, fed with live traffic for the day's jam areas."""
    return HaversineTravelTimes(profile=speed_profile(day), traffic=traffic)


def simulation_settings(*, auto_dispatch: bool, replan: bool, dispatch_params: str | None = None) -> Settings:
    """Settings for a simulated company: auto-dispatch and inline re-planning only for `dynamic`."""
    wanted: dict[str, Any] = {
        "environment": "test",
        "secret_key": "s" * 40,
        "check_migrations": False,
        "timezone": "UTC",
        "auto_dispatch": auto_dispatch,
        "database_url": "sqlite://",
        # Re-plans run on simulated time (simulator.replans), so the bootstrap registers none.
        "replan_mode": "off",
        "replan_budget_seconds": REPLAN_SAFETY_SECONDS,
        "dispatch_params_path": dispatch_params,
    }
    return Settings(**{k: v for k, v in wanted.items() if k in Settings.model_fields})


# Re-plans stop after a number of solver iterations (reproducible); the time budget is a safety net.
REPLAN_SAFETY_SECONDS = 120.0
REPLAN_ITERATIONS = 200


@dataclass
class SimulationSolver:
    """The batch solver port, stopped by iterations so that a seed gives the same plan every time.

    A solver error is counted and answered with the current plan (the re-plan then keeps what it
    has), so one failing re-plan does not end a day's simulation; the count is in the results."""

    max_iterations: int = REPLAN_ITERATIONS
    failures: int = 0
    runs: int = 0
    last_error: str = ""

    def __call__(
        self,
        problem: DispatchProblem,
        *,
        time_budget_seconds: float,
        seed: int,
        params: DispatchParams,
        max_iterations: int | None = None,
    ) -> Plan:
        from fieldpilot.engine.solvers.dispatch import solve_batch
        from fieldpilot.engine.solvers.routing import SearchBudget

        self.runs += 1
        budget = SearchBudget(max_seconds=REPLAN_SAFETY_SECONDS, max_iterations=max_iterations or self.max_iterations)
        try:
            outcome = solve_batch(problem, budget, seed=seed, params=params)
        except Exception as error:
            self.failures += 1
            self.last_error = f"{type(error).__name__}: {error}"
            return plan_of(problem, params=params)
        if outcome.declined:  # counted with the failures: the search did not run
            self.failures += 1
            self.last_error = f"declined: {outcome.declined}"
        return outcome.plan


@dataclass
class World:
    day: Day
    kernel: Kernel
    services: Services
    roads: Roads
    db: MemoryDatabase | None
    solver: SimulationSolver | None
    prefix: str = ""  # of resource ids, when the company shares a database with others
    traffic: LiveTraffic | None = None  # the live traffic feed the planning model reads, if any


def build_world(
    day: Day,
    *,
    dynamic: bool,
    travel: TravelTimes | None = None,
    replan_iterations: int = REPLAN_ITERATIONS,
    dispatch_params: str | None = None,
) -> World:
    kernel = Kernel(day.start)
    db = MemoryDatabase()
    clock = kernel.clock
    solver = SimulationSolver(replan_iterations)
    traffic = LiveTraffic(jam_areas(day))
    services = bootstrap(
        simulation_settings(auto_dispatch=dynamic, replan=dynamic, dispatch_params=dispatch_params),
        solver=solver,
        uow_factory=lambda: cast("UnitOfWork", SimulationUnitOfWork(db, clock.now)),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(day.seed),
        hasher=PlainHasher(),
        travel=travel or planning_travel(day, traffic),
    )
    populate(services, day)
    return World(day, kernel, services, Roads(day), db, solver, traffic=traffic)


def sla_policies(day: Day) -> list[SlaPolicy]:
    sla = day.scenario.sla
    return [
        SlaPolicy(
            id=f"sim-p{p}",
            name=f"P{p} round the clock",
            targets=SlaTargets(
                dispatch=sla.dispatch[p - 1], arrival=sla.arrival[p - 1], resolution=sla.resolution[p - 1]
            ),
            calendar=BusinessCalendar.always("UTC"),
            priority=Priority(p),
        )
        for p in range(1, 5)
    ]


def populate(services: Services, day: Day, *, prefix: str = "") -> None:
    """Create the day's company through the bus (ids get `prefix`, for a shared database)."""
    bus = services.bus

    def create(kind: ResourceKind, resource: object) -> None:
        bus.handle(CreateResource(kind=kind, resource=resource, actor=ADMIN))

    with services.uow_factory() as uow:  # a shared catalogue may hold them already
        known = {s for s in day.skills if uow.skills.get(s) is not None}
        known |= {p.id for p in sla_policies(day) if uow.sla_policies.get(p.id) is not None}
    for skill in day.skills:
        if skill not in known:
            create(ResourceKind.SKILL, Skill(code=skill, name=skill.title()))
    for policy in sla_policies(day):
        if policy.id not in known:
            create(ResourceKind.SLA_POLICY, policy)
    for n, depot in enumerate(day.depots):
        create(ResourceKind.WAREHOUSE, Warehouse(id=f"{prefix}depot-{n + 1}", name=f"Depot {n + 1}", location=depot))
    for plan in day.technicians:
        create(ResourceKind.TECHNICIAN, plan.technician)
    for arrival in day.arrivals:
        create(
            ResourceKind.CUSTOMER,
            Customer(id=customer_id(arrival.key, prefix), name=f"Customer {arrival.key}", tier=arrival.tier),
        )
        create(
            ResourceKind.SITE,
            Site(
                id=site_id(arrival.key, prefix),
                customer_id=customer_id(arrival.key, prefix),
                name=f"Site {arrival.key}",
                address=f"{arrival.location.lat:.5f}, {arrival.location.lon:.5f}",
                location=arrival.location,
                territory=f"t{arrival.territory + 1}",
            ),
        )


def customer_id(key: str, prefix: str = "") -> str:
    return f"{prefix}cust-{key}"


def site_id(key: str, prefix: str = "") -> str:
    return f"{prefix}site-{key}"


class Roads:
    """True driving times and distances: the planning model's road profile (free flow by road
    class, the time-of-day congestion) times a per-trip deviation and the jams."""

    def __init__(self, day: Day) -> None:
        self.seed = day.seed
        self.profile = speed_profile(day)
        self.sigma = day.scenario.travel.deviation_sigma
        self.jams = day.jams

    def metres(self, a: Location, b: Location) -> int:
        return round(distance_km(a, b) * 1000 * self.profile.road_factor)

    def planned_seconds(self, a: Location, b: Location) -> int:
        """Free-flow time, as a dispatcher or the engine would estimate it without congestion."""
        p = self.profile
        km = distance_km(a, b) * p.road_factor
        urban = min(km, p.urban_km)
        arterial = min(max(km - p.urban_km, 0.0), p.arterial_km)
        highway = max(km - p.urban_km - p.arterial_km, 0.0)
        return round((urban / p.urban_kmh + arterial / p.arterial_kmh + highway / p.highway_kmh) * 3600)

    def seconds(self, a: Location, b: Location, *, depart: int) -> int:
        base = self.planned_seconds(a, b)
        if base == 0:
            return 0
        factor = self.profile.congestion[(depart % 86_400) // 900] * self._deviation(a, b, depart // 3600)
        for jam in self.jams:
            if jam.start <= depart < jam.end and (
                distance_km(jam.center, a) <= jam.radius_km or distance_km(jam.center, b) <= jam.radius_km
            ):
                factor *= jam.factor
        return max(1, round(base * factor))

    def _deviation(self, a: Location, b: Location, hour: int) -> float:
        text = f"{self.seed}|{a.lat},{a.lon}|{b.lat},{b.lon}|{hour}".encode()
        digest = hashlib.blake2b(text, digest_size=16).digest()
        u1 = (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 1)
        u2 = int.from_bytes(digest[8:], "big") / 2**64
        z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)  # Box-Muller
        return math.exp(self.sigma * z - self.sigma**2 / 2)
