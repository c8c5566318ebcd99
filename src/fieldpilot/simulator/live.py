"""A scenario played live, in accelerated time, against running services (the `make demo` show).

    clock = live_clock(hour=7)                                   # a clock the simulation moves
    services = bootstrap(settings, clock=clock, solver=SimulationSolver())   # the SQL-backed services
    threading.Thread(target=run_live, args=(services, load_scenario("small-town"), 60),
                     kwargs={"clock": clock, "stop": stop_event}, daemon=True).start()

`run_live` creates the scenario's company in the services' database (ids prefixed `sim-`, skipped
when they already exist), then plays the day from `start_hour`: customers call, the engine (or
the chosen policy) dispatches, technicians drive and report positions, all through the bus, each
event at its simulated moment divided by `speed` in wall time. Given the services' clock (a
`FixedClock`), the simulation moves it, smoothly between events, so everything the services
stamp and show is simulated time; without it, the services keep their own clock.
`SimulationSolver` (from `simulator.world`) keeps the current plan when a re-plan's solver fails,
so a long show survives it. May import: bootstrap, service, domain and simulator modules.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time as wall
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldpilot.bootstrap import Services
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.service.fakes import FixedClock
from fieldpilot.service.handlers.resources import repository
from fieldpilot.simulator.generate import Day, generate_day
from fieldpilot.simulator.kernel import Kernel
from fieldpilot.simulator.run import DayResult, Simulation
from fieldpilot.simulator.scenario import Scenario
from fieldpilot.simulator.world import Roads, World, populate

PREFIX = "sim-"
log = logging.getLogger(__name__)


def live_clock(*, hour: float = 7.0, day: datetime | None = None, timezone: str = "UTC") -> FixedClock:
    """A clock at `hour` on `day` (today by default) in `timezone`, that `run_live` will move;
    hand it to `bootstrap` too. The clock itself reads UTC."""
    return FixedClock(local_midnight(day or datetime.now(UTC), timezone) + timedelta(hours=hour))


def local_midnight(moment: datetime, timezone: str) -> datetime:
    """The start of `moment`'s date in `timezone`, as a UTC datetime."""
    zone = ZoneInfo(timezone)
    return datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)


def live_day(scenario: Scenario, *, seed: int, on: datetime, timezone: str = "UTC") -> Day:
    """The scenario's day moved to `on`'s date in `timezone` (where the services read shifts), every
    id prefixed so it can share a database. The town's technicians work in the town's territories
    only, so an engine that also plans another company never sends them there (nor its people here)."""
    start = local_midnight(on, timezone)
    day = generate_day(dataclasses.replace(scenario, day=start.astimezone(ZoneInfo(timezone)).date()), seed)
    town = frozenset(f"t{n + 1}" for n in range(len(day.depots)))
    technicians = tuple(
        dataclasses.replace(
            p,
            technician=dataclasses.replace(
                p.technician,
                id=PREFIX + p.technician.id,
                depot_id=PREFIX + p.technician.depot_id if p.technician.depot_id else None,
                territories=town,
                timezone=timezone,  # their shifts are read in it, by the engine and by the simulation
            ),
        )
        for p in day.technicians
    )
    return dataclasses.replace(day, start=start, technicians=technicians)


def run_live(
    services: Services,
    scenario: Scenario,
    speed: float = 60.0,
    *,
    seed: int = 0,
    policy: str = "dynamic",
    start_hour: float = 7.0,
    clock: FixedClock | None = None,
    stop: threading.Event | None = None,
    timezone: str = "UTC",
) -> DayResult:
    """Play the scenario's day against `services` until it ends or `stop` is set. The day (its
    shifts, its demand by hour) is `timezone`'s: the company's (`settings.timezone`), as the screens show it."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    on = clock.now() if clock is not None else datetime.now(UTC)
    with services.uow_factory():  # storage maps the domain classes on first use: before we build any
        pass
    day = live_day(scenario, seed=seed, on=on, timezone=timezone)
    if not _already_loaded(services, day):
        populate(services, day, prefix=PREFIX)
    kernel = Kernel(day.start, clock=clock)
    first = int(start_hour * 3600)
    kernel.run(until=first - 1)  # nothing is scheduled yet: this only moves the clock
    world = World(day, kernel, services, Roads(day), db=None, solver=None, prefix=PREFIX)
    simulation = Simulation(dataclasses.replace(day, arrivals=tuple(a for a in day.arrivals if a.second >= first)),
                            policy, world=world)  # fmt: skip
    began, origin = wall.monotonic(), kernel.now
    halt = stop or threading.Event()
    while kernel.pending and not halt.is_set():
        upcoming = kernel.peek()
        if upcoming is None or upcoming > day.end:
            break
        elapsed = (wall.monotonic() - began) * speed
        if origin + elapsed < upcoming:
            # Between events the clock runs on, so the services show time passing.
            kernel.clock.current = max(kernel.clock.current, kernel.moment(origin) + timedelta(seconds=elapsed))
            halt.wait(min((upcoming - origin - elapsed) / speed, 0.5))  # wakes early when stopped
            continue
        try:
            kernel.step()
        except Exception:  # a live show goes on: the failing step is logged with its traceback
            log.exception("live simulation step at %s failed", kernel.moment(kernel.now))
    return simulation.result() if halt.is_set() else simulation.run()


def _already_loaded(services: Services, day: Day) -> bool:
    with services.uow_factory() as uow:
        technicians = repository(uow, ResourceKind.TECHNICIAN)
        return technicians.get(day.technicians[0].technician.id) is not None
