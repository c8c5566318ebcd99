"""Generate one service day from a scenario and a seed: the fleet, the arrival stream, disruptions.

Randomness comes from separate numpy streams per purpose (fleet, arrivals, durations, disruptions),
each seeded with `(seed, purpose)`, so that every policy replays the identical day and adding a
draw for one purpose never shifts another's. What happens during the day that depends on the
policy (which technician does a job, which trip is driven) is drawn from the day's fixed values
(an order's duration noise, a technician's speed) or from a hash of the trip, never from a
shared stream.

May import: fieldpilot.domain, fieldpilot.simulator.scenario, numpy and the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import numpy as np

from fieldpilot.domain.resources import Technician, WeeklyShift
from fieldpilot.domain.values import CustomerTier, LocalTimeRange, Location, Priority
from fieldpilot.simulator.scenario import Scenario

FLEET, ARRIVALS, DURATIONS, DISRUPTIONS = 1, 2, 3, 4
KM_PER_DEGREE = 111.32
TIERS = (CustomerTier.STANDARD, CustomerTier.PRIORITY, CustomerTier.VIP)


def stream(seed: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, purpose])


def offset(center: Location, *, east_km: float, north_km: float) -> Location:
    lat = center.lat + north_km / KM_PER_DEGREE
    lon = center.lon + east_km / (KM_PER_DEGREE * math.cos(math.radians(center.lat)))
    return Location(round(lat, 6), round(lon, 6))


def distance_km(a: Location, b: Location) -> float:
    """Equirectangular distance (what the planning model uses too)."""
    mean_lat = math.radians((a.lat + b.lat) / 2)
    dx = math.radians(b.lon - a.lon) * math.cos(mean_lat) * 6371.0
    dy = math.radians(b.lat - a.lat) * 6371.0
    return math.hypot(dx, dy)


@dataclass(frozen=True)
class TechnicianPlan:
    technician: Technician
    depot: int
    speed: float  # work-time multiplier (0.8 = 20% faster than the norm)
    shift_start: int  # seconds of the day
    shift_end: int
    break_start: int | None
    break_seconds: int
    sick_at: int | None = None


@dataclass(frozen=True)
class Arrival:
    """One customer request as it will happen: when, where, what, and what will go wrong."""

    index: int
    second: int
    location: Location
    service_type: str
    skill: str
    min_level: int
    priority: Priority
    tier: CustomerTier
    estimated_minutes: int  # what intake tells the system
    median_minutes: float
    noise: float  # the job's own lognormal draw, shared by every technician
    overrun: float = 1.0
    cancel_after: int | None = None  # seconds after creation the customer cancels
    no_show: bool = False
    urgent: bool = False
    territory: int = 0

    @property
    def key(self) -> str:
        return f"{self.index:06d}"

    def true_seconds(self, speed: float) -> int:
        return max(60, round(self.median_minutes * 60 * self.noise * speed * self.overrun))


@dataclass(frozen=True)
class Jam:
    center: Location
    radius_km: float
    start: int
    end: int
    factor: float


@dataclass(frozen=True)
class Day:
    scenario: Scenario
    seed: int
    start: datetime  # midnight UTC of the simulated day
    depots: tuple[Location, ...]
    technicians: tuple[TechnicianPlan, ...]
    arrivals: tuple[Arrival, ...]
    jams: tuple[Jam, ...] = ()
    skills: tuple[str, ...] = field(default=())

    @property
    def end(self) -> int:
        """The last second simulated: midnight, or later when a shift runs past it."""
        latest = max((t.shift_end for t in self.technicians), default=0)
        return max(86_400, latest + 4 * 3600)

    def territory_of(self, location: Location) -> int:
        return min(range(len(self.depots)), key=lambda d: (distance_km(self.depots[d], location), d))


def generate_day(scenario: Scenario, seed: int) -> Day:
    start = datetime.combine(scenario.day, time(0), tzinfo=UTC)
    center = Location(*scenario.city.center)
    depots = _depots(scenario, center)
    technicians = _fleet(scenario, seed, depots)
    day = Day(scenario, seed, start, depots, technicians, (), skills=tuple(sorted(scenario.fleet.skills)))
    arrivals = _arrivals(scenario, seed, center, day)
    technicians, jams = _disruptions(scenario, seed, center, technicians)
    return Day(scenario, seed, start, depots, technicians, arrivals, jams, day.skills)


def _depots(scenario: Scenario, center: Location) -> tuple[Location, ...]:
    n = scenario.fleet.depots
    if n == 1:
        return (center,)
    # A sunflower pattern spreads depots evenly over the disc, deterministically.
    radius = scenario.city.radius_km * 0.75
    golden = math.pi * (3 - math.sqrt(5))
    return tuple(
        offset(
            center,
            east_km=radius * math.sqrt((i + 0.5) / n) * math.cos(i * golden),
            north_km=radius * math.sqrt((i + 0.5) / n) * math.sin(i * golden),
        )
        for i in range(n)
    )


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def _fleet(scenario: Scenario, seed: int, depots: tuple[Location, ...]) -> tuple[TechnicianPlan, ...]:
    rng = stream(seed, FLEET)
    fleet = scenario.fleet
    shares = np.array([s.share for s in fleet.shifts], dtype=float)
    skills = sorted(fleet.skills)
    needed: dict[str, int] = {}
    for kind in scenario.service_types:
        needed[kind.skill] = max(needed.get(kind.skill, 1), kind.min_level)
    weekday = scenario.day.weekday()
    plans = []
    for i in range(fleet.technicians):
        depot = i % len(depots)
        angle, dist = rng.uniform(0, 2 * math.pi), fleet.depot_spread_km * math.sqrt(rng.uniform())
        home = offset(depots[depot], east_km=dist * math.cos(angle), north_km=dist * math.sin(angle))
        pattern = fleet.shifts[int(rng.choice(len(shares), p=shares / shares.sum()))]
        held: dict[str, int] = {}
        for skill in skills:
            mix = fleet.skills[skill]
            if rng.uniform() < mix.share:
                levels = np.array(mix.levels, dtype=float)
                held[skill] = 1 + int(rng.choice(len(levels), p=levels / levels.sum()))
        # A company staffs every trade: each technician is fully qualified in one skill, in turn.
        main = skills[i % len(skills)]
        held[main] = max(held.get(main, 1), needed.get(main, 1))
        speed = float(math.exp(rng.normal(0.0, fleet.speed_sigma)))
        breaks: tuple[LocalTimeRange, ...] = ()
        if pattern.break_start is not None:
            end = (
                datetime.combine(scenario.day, pattern.break_start) + timedelta(minutes=pattern.break_minutes)
            ).time()
            breaks = (LocalTimeRange(pattern.break_start, end),)
        tech = Technician(
            id=f"tech-{i + 1:04d}",
            first_name=f"Tech{i + 1}",
            last_name=f"Depot{depot + 1}",
            home_base=home,
            skills=held,
            shifts=(WeeklyShift(weekday=weekday, start=pattern.start, end=pattern.end, breaks=breaks),),
            # No territories in the system: fieldpilot may send anyone anywhere. Fixed territories
            # are the static office's rule, which its policy applies itself (TechnicianPlan.depot).
            depot_id=f"depot-{depot + 1}",
            max_overtime_minutes=fleet.max_overtime_minutes,
        )
        plans.append(
            TechnicianPlan(
                technician=tech,
                depot=depot,
                speed=speed,
                shift_start=_seconds(pattern.start),
                shift_end=_seconds(pattern.end),
                break_start=None if pattern.break_start is None else _seconds(pattern.break_start),
                break_seconds=pattern.break_minutes * 60 if pattern.break_start is not None else 0,
            )
        )
    return tuple(plans)


def _place(rng: np.random.Generator, scenario: Scenario, center: Location, hubs: list[Location]) -> Location:
    city = scenario.city
    if hubs and rng.uniform() < city.cluster_share:
        hub = hubs[int(rng.integers(len(hubs)))]
        radius = city.cluster_radius_km
    else:
        hub, radius = center, city.radius_km
    angle, dist = rng.uniform(0, 2 * math.pi), radius * math.sqrt(rng.uniform())
    return offset(hub, east_km=dist * math.cos(angle), north_km=dist * math.sin(angle))


def _arrivals(scenario: Scenario, seed: int, center: Location, day: Day) -> tuple[Arrival, ...]:
    rng, durations, troubles = stream(seed, ARRIVALS), stream(seed, DURATIONS), stream(seed, DISRUPTIONS + 10)
    demand, city = scenario.demand, scenario.city
    hubs = [_place(rng, scenario, center, []) for _ in range(city.clusters)]
    hourly = np.array(demand.hourly, dtype=float)
    mean = demand.orders_per_day * demand.weekday[scenario.day.weekday()]
    count, urgent = int(rng.poisson(mean)), int(rng.poisson(demand.urgent_per_day))
    hours = rng.choice(24, size=count + urgent, p=hourly / hourly.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, size=count + urgent)
    types = np.array([s.share for s in scenario.service_types], dtype=float)
    tiers = np.array(demand.tiers, dtype=float)
    drafts = []
    for n in range(count + urgent):
        kind = scenario.service_types[int(rng.choice(len(types), p=types / types.sum()))]
        weights = np.array(kind.priorities, dtype=float)
        is_urgent = n >= count
        priority = Priority.P1 if is_urgent else Priority(1 + int(rng.choice(4, p=weights / weights.sum())))
        location = _place(rng, scenario, center, hubs)
        tier = TIERS[int(rng.choice(3, p=tiers / tiers.sum()))]
        drafts.append((int(seconds[n]), n, kind, priority, location, tier, is_urgent))
    drafts.sort(key=lambda d: (d[0], d[1]))
    trouble = scenario.disruptions
    arrivals = []
    for index, (second, _, kind, priority, location, tier, is_urgent) in enumerate(drafts):
        overrun = 1.0
        if troubles.uniform() < trouble.overrun_probability:
            overrun = float(troubles.uniform(*trouble.overrun_factor))
        cancel = None
        if troubles.uniform() < trouble.cancellation_probability:
            cancel = int(troubles.uniform(600, 4 * 3600))
        arrivals.append(
            Arrival(
                index=index + 1,
                second=second,
                location=location,
                service_type=kind.code,
                skill=kind.skill,
                min_level=kind.min_level,
                priority=priority,
                tier=tier,
                estimated_minutes=max(5, round(kind.mean_minutes / 5) * 5),
                median_minutes=kind.median_minutes,
                noise=float(math.exp(durations.normal(0.0, kind.sigma))),
                overrun=overrun,
                cancel_after=cancel,
                no_show=bool(troubles.uniform() < trouble.no_show_probability),
                urgent=is_urgent,
                territory=day.territory_of(location),
            )
        )
    return tuple(arrivals)


def _disruptions(
    scenario: Scenario, seed: int, center: Location, technicians: tuple[TechnicianPlan, ...]
) -> tuple[tuple[TechnicianPlan, ...], tuple[Jam, ...]]:
    rng = stream(seed, DISRUPTIONS)
    trouble = scenario.disruptions
    sick_count = min(trouble.sick_technicians, len(technicians))
    sick = {int(i) for i in rng.choice(len(technicians), size=sick_count, replace=False)}
    planned = []
    for i, plan in enumerate(technicians):
        if i in sick:
            at = int(rng.uniform(plan.shift_start + 3600, max(plan.shift_start + 3601, plan.shift_end - 3600)))
            plan = TechnicianPlan(**{**plan.__dict__, "sick_at": at})
        planned.append(plan)
    jams = []
    for _ in range(trouble.jams.count):
        angle, dist = rng.uniform(0, 2 * math.pi), scenario.city.radius_km * 0.7 * math.sqrt(rng.uniform())
        begin = int(rng.uniform(7 * 3600, 18 * 3600))
        jams.append(
            Jam(
                center=offset(center, east_km=dist * math.cos(angle), north_km=dist * math.sin(angle)),
                radius_km=trouble.jams.radius_km,
                start=begin,
                end=begin + trouble.jams.minutes * 60,
                factor=trouble.jams.factor,
            )
        )
    return tuple(planned), tuple(jams)
