"""Scenario settings: a city, its fleet, its demand and what goes wrong, read from a TOML file.

`load_scenario("metro")` reads a shipped file from `simulator/scenarios/`; a path reads any file.
Every section validates itself on creation (unknown keys are refused), so a typo fails loudly
before a long run starts. Generating a day from a scenario and a seed lives in `generate`.

May import: fieldpilot.domain and the standard library.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time
from pathlib import Path
from typing import Any

from fieldpilot.domain.errors import InvalidInput

SCENARIO_DIR = Path(__file__).with_name("scenarios")


def _hours(values: list[float], *, name: str) -> tuple[float, ...]:
    if len(values) != 24 or any(not math.isfinite(v) or v < 0 for v in values):
        raise InvalidInput(name, "needs 24 finite non-negative values, one per hour")
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class City:
    center: tuple[float, float] = (45.76, 4.84)
    radius_km: float = 6.0
    clusters: int = 3  # demand hot spots (dense neighbourhoods)
    cluster_share: float = 0.5  # share of demand from the hot spots
    cluster_radius_km: float = 1.5

    def __post_init__(self) -> None:
        if self.radius_km <= 0 or not 0 <= self.cluster_share <= 1 or self.clusters < 0:
            raise InvalidInput("city", "radius must be positive, cluster_share within 0..1")


@dataclass(frozen=True)
class ShiftPattern:
    start: time
    end: time
    share: float = 1.0
    break_start: time | None = time(12)
    break_minutes: int = 30


@dataclass(frozen=True)
class SkillMix:
    share: float  # of technicians holding the skill
    levels: tuple[float, ...] = (0.3, 0.5, 0.2)  # probabilities of level 1, 2, 3, ...


@dataclass(frozen=True)
class Fleet:
    technicians: int = 8
    depots: int = 1
    shifts: tuple[ShiftPattern, ...] = (ShiftPattern(time(8), time(17)),)
    skills: Mapping[str, SkillMix] = field(default_factory=lambda: {"general": SkillMix(1.0)})
    max_overtime_minutes: int = 60
    speed_sigma: float = 0.15  # per-technician work speed, lognormal
    depot_spread_km: float = 1.0  # homes around the depot

    def __post_init__(self) -> None:
        if self.technicians < 1 or self.depots < 1 or not self.shifts:
            raise InvalidInput("fleet", "needs technicians, depots and at least one shift pattern")


@dataclass(frozen=True)
class ServiceType:
    code: str
    share: float
    skill: str
    min_level: int = 1
    median_minutes: float = 45.0
    sigma: float = 0.4
    priorities: tuple[float, float, float, float] = (0.05, 0.25, 0.5, 0.2)

    @property
    def mean_minutes(self) -> float:
        return self.median_minutes * math.exp(self.sigma**2 / 2)


@dataclass(frozen=True)
class Demand:
    orders_per_day: float = 80.0
    hourly: tuple[float, ...] = tuple([0.0] * 7 + [1.0] * 11 + [0.0] * 6)
    weekday: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.2)
    urgent_per_day: float = 2.0  # extra P1 insertions (burst pipe, no heating in winter)
    tiers: tuple[float, float, float] = (0.8, 0.15, 0.05)  # standard, priority, vip


@dataclass(frozen=True)
class Sla:
    """Minutes to arrival and resolution per priority, round the clock."""

    arrival: tuple[int, int, int, int] = (120, 240, 480, 1440)
    resolution: tuple[int, int, int, int] = (240, 480, 960, 2880)
    dispatch: tuple[int, int, int, int] = (15, 30, 120, 480)


@dataclass(frozen=True)
class Travel:
    """The road model (routing's haversine profile) and how far real trips stray from it."""

    road_factor: float = 1.3  # road km per straight-line km
    urban_kmh: float = 25.0  # the first urban_km of a trip
    arterial_kmh: float = 45.0  # the next arterial_km
    highway_kmh: float = 85.0  # the rest
    urban_km: float = 2.0
    arterial_km: float = 12.0
    deviation_sigma: float = 0.15  # per trip, lognormal around the congested time
    congestion: tuple[float, ...] = tuple([1.0] * 24)  # by hour of day

    @property
    def quarter_hours(self) -> tuple[float, ...]:
        return tuple(f for f in self.congestion for _ in range(4))


@dataclass(frozen=True)
class Jams:
    count: int = 1
    radius_km: float = 2.0
    factor: float = 2.0
    minutes: int = 90


@dataclass(frozen=True)
class Disruptions:
    overrun_probability: float = 0.05
    overrun_factor: tuple[float, float] = (1.5, 3.0)
    cancellation_probability: float = 0.03
    no_show_probability: float = 0.02
    no_show_wait_minutes: int = 10
    sick_technicians: int = 1
    jams: Jams = field(default_factory=Jams)


@dataclass(frozen=True)
class Scenario:
    name: str
    day: date
    description: str = ""
    city: City = field(default_factory=City)
    fleet: Fleet = field(default_factory=Fleet)
    service_types: tuple[ServiceType, ...] = ()
    demand: Demand = field(default_factory=Demand)
    sla: Sla = field(default_factory=Sla)
    travel: Travel = field(default_factory=Travel)
    disruptions: Disruptions = field(default_factory=Disruptions)

    def __post_init__(self) -> None:
        if not self.service_types:
            raise InvalidInput("service_types", "a scenario needs at least one service type")
        missing = {s.skill for s in self.service_types} - set(self.fleet.skills)
        if missing:
            raise InvalidInput("service_types", f"no technician can hold skill(s) {sorted(missing)}")

    def service_type(self, code: str) -> ServiceType:
        return next(s for s in self.service_types if s.code == code)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (`small-town`, `metro`, `region-scale`) or a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise InvalidInput("scenario", f"no scenario {str(name_or_path)!r} (shipped: {shipped_scenarios()})")
    with path.open("rb") as handle:
        return scenario_from_mapping(tomllib.load(handle))


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def scenario_from_mapping(data: Mapping[str, Any]) -> Scenario:
    body = dict(data)
    if "name" not in body or "day" not in body:
        raise InvalidInput("scenario", "needs a name and a day")
    fleet = dict(body.pop("fleet", {}))
    if "shifts" in fleet:
        fleet["shifts"] = tuple(_build(ShiftPattern, _times(s)) for s in fleet["shifts"])
    if "skills" in fleet:
        fleet["skills"] = {k: _build(SkillMix, v) for k, v in fleet["skills"].items()}
    demand = dict(body.pop("demand", {}))
    if "hourly" in demand:
        demand["hourly"] = _hours(demand["hourly"], name="demand.hourly")
    travel = dict(body.pop("travel", {}))
    if "congestion" in travel:
        travel["congestion"] = _hours(travel["congestion"], name="travel.congestion")
    disruptions = dict(body.pop("disruptions", {}))
    if "jams" in disruptions:
        disruptions["jams"] = _build(Jams, disruptions["jams"])
    scenario: Scenario = _build(
        Scenario,
        {
            **body,
            "day": body["day"] if isinstance(body.get("day"), date) else date.fromisoformat(body["day"]),
            "city": _build(City, body.get("city", {})),
            "fleet": _build(Fleet, fleet),
            "service_types": tuple(_build(ServiceType, s) for s in body.get("service_types", [])),
            "demand": _build(Demand, demand),
            "sla": _build(Sla, body.get("sla", {})),
            "travel": _build(Travel, travel),
            "disruptions": _build(Disruptions, disruptions),
        },
    )
    return scenario


def _times(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key in ("start", "end", "break_start"):
        if isinstance(out.get(key), str):
            out[key] = time.fromisoformat(out[key])
    return out


def _build(cls: Any, data: Mapping[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(unknown[0], f"is not a setting of {cls.__name__.lower()}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**kwargs)
