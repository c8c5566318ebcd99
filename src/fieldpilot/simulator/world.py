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
from fieldpilot.service.fakes import PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.memory import MemoryDatabase
from fieldpilot.service.ports import TravelTimes
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.simulator.generate import Day, distance_km
from fieldpilot.simulator.kernel import Kernel
from fieldpilot.simulator.store import SimulationUnitOfWork
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

ADMIN = "sim-admin"


def planning_travel(day: Day) -> TravelTimes:
    """The travel model the service layer plans with."""
    return StraightLineTravel(speed_kmh=day.scenario.travel.speed_kmh)


def simulation_settings(*, auto_dispatch: bool, replan: bool) -> Settings:
    """Settings for a simulated company: auto-dispatch and inline re-planning only for `dynamic`."""
    wanted: dict[str, Any] = {
        "environment": "test",
        "secret_key": "s" * 40,
        "check_migrations": False,
        "timezone": "UTC",
        "auto_dispatch": auto_dispatch,
        "database_url": "sqlite://",
        "replan_mode": "inline" if replan else "off",
        "replan_budget_seconds": REPLAN_SAFETY_SECONDS,
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
        from fieldpilot.engine.solvers.dispatch import solve
        from fieldpilot.engine.solvers.routing import SearchBudget

        self.runs += 1
        budget = SearchBudget(max_seconds=REPLAN_SAFETY_SECONDS, max_iterations=max_iterations or self.max_iterations)
        try:
            plan: Plan = solve(problem, budget, seed=seed, params=params)
        except Exception as error:
            self.failures += 1
            self.last_error = f"{type(error).__name__}: {error}"
            return plan_of(problem, params=params)
        return plan


@dataclass
class World:
    day: Day
    kernel: Kernel
    services: Services
    roads: Roads
    db: MemoryDatabase | None
    solver: SimulationSolver | None
    prefix: str = ""  # of resource ids, when the company shares a database with others


def build_world(
    day: Day, *, dynamic: bool, travel: TravelTimes | None = None, replan_iterations: int = REPLAN_ITERATIONS
) -> World:
    kernel = Kernel(day.start)
    db = MemoryDatabase()
    clock = kernel.clock
    solver = SimulationSolver(replan_iterations)
    services = bootstrap(
        simulation_settings(auto_dispatch=dynamic, replan=dynamic),
        solver=solver,
        uow_factory=lambda: cast("UnitOfWork", SimulationUnitOfWork(db, clock.now)),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(day.seed),
        hasher=PlainHasher(),
        travel=travel or planning_travel(day),
    )
    populate(services, day)
    return World(day, kernel, services, Roads(day), db, solver)


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

    for skill in day.skills:
        create(ResourceKind.SKILL, Skill(code=skill, name=skill.title()))
    for policy in sla_policies(day):
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
    """True driving times and distances."""

    def __init__(self, day: Day) -> None:
        travel = day.scenario.travel
        self.seed = day.seed
        self.metres_per_second = travel.speed_kmh / 3.6
        self.road_factor = travel.road_factor
        self.sigma = travel.deviation_sigma
        self.congestion = travel.congestion
        self.jams = day.jams

    def planned_seconds(self, a: Location, b: Location) -> int:
        """What the planning model expects, free flow."""
        return round(distance_km(a, b) * 1000 / self.metres_per_second)

    def metres(self, a: Location, b: Location) -> int:
        return round(distance_km(a, b) * 1000 * self.road_factor)

    def seconds(self, a: Location, b: Location, *, depart: int) -> int:
        base = self.planned_seconds(a, b)
        if base == 0:
            return 0
        hour = (depart // 3600) % 24
        factor = self.congestion[hour] * self._deviation(a, b, hour)
        for jam in self.jams:
            if jam.start <= depart < jam.end and (
                distance_km(jam.center, a) <= jam.radius_km or distance_km(jam.center, b) <= jam.radius_km
            ):
                factor *= jam.factor
        return max(1, round(base * factor))

    def _deviation(self, a: Location, b: Location, hour: int) -> float:
        text = f"{self.seed}|{a.lat},{a.lon}|{b.lat},{b.lon}|{hour}".encode()
        draw = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2**64
        # Box-Muller on one uniform and its mirror keeps this a pure function of the trip.
        z = math.sqrt(-2 * math.log(max(draw, 1e-12))) * math.cos(2 * math.pi * ((draw * 7919) % 1))
        return math.exp(self.sigma * z - self.sigma**2 / 2)
