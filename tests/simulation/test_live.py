"""`run_live`: the scenario played against given services, moving their clock, stoppable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fieldpilot.bootstrap import bootstrap
from fieldpilot.service.fakes import PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.memory import MemoryDatabase
from fieldpilot.simulator.live import PREFIX, live_clock, run_live
from fieldpilot.simulator.scenario import Scenario
from fieldpilot.simulator.store import SimulationUnitOfWork
from fieldpilot.simulator.world import SimulationSolver, simulation_settings

DAY = datetime(2026, 3, 3, tzinfo=UTC)


def _services(clock):
    db = MemoryDatabase()
    return bootstrap(
        simulation_settings(auto_dispatch=True, replan=True),
        uow_factory=lambda: SimulationUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(1),
        hasher=PlainHasher(),
        travel=StraightLineTravel(),
        solver=SimulationSolver(20),
    )


def test_plays_the_day_through_the_services_and_moves_their_clock(tiny: Scenario) -> None:
    clock = live_clock(hour=7, day=DAY)
    services = _services(clock)
    result = run_live(services, tiny, speed=1e9, clock=clock, start_hour=7)
    assert clock.now() >= DAY.replace(hour=17)  # the day was played to its end
    assert sum(o.outcome == "served" for o in result.orders) > 0
    with services.uow_factory() as uow:
        assert uow.technicians.get(f"{PREFIX}tech-0001") is not None
        assert all(o.created_at >= DAY.replace(hour=7) for o in uow.orders.open_orders())


def test_stops_when_asked(tiny: Scenario) -> None:
    clock = live_clock(hour=7, day=DAY)
    stop = threading.Event()
    stop.set()
    result = run_live(_services(clock), tiny, speed=1.0, clock=clock, stop=stop)
    assert result.orders == []


def test_a_live_day_runs_on_the_services_timezone_and_keeps_to_its_town() -> None:
    from fieldpilot.simulator.live import live_day
    from fieldpilot.simulator.scenario import load_scenario

    clock = live_clock(hour=7, day=DAY, timezone="Europe/Paris")
    day = live_day(load_scenario("small-town"), seed=4, on=clock.now(), timezone="Europe/Paris")

    assert clock.now() == datetime(2026, 3, 3, 6, tzinfo=UTC)  # 07:00 in Paris (UTC+1 in March)
    assert day.start == datetime(2026, 3, 2, 23, tzinfo=UTC)  # so a 07:30 shift starts at 07:30 Paris time
    assert day.scenario.day == DAY.date()
    assert {t.technician.territories for t in day.technicians} == {frozenset({"t1"})}  # one depot: one territory
    assert {t.technician.timezone for t in day.technicians} == {"Europe/Paris"}
    assert all(t.technician.id.startswith(PREFIX) for t in day.technicians)
    assert all((t.technician.depot_id or "").startswith(f"{PREFIX}depot-") for t in day.technicians)


def test_the_same_seed_plays_the_same_live_day() -> None:
    from fieldpilot.simulator.live import live_day
    from fieldpilot.simulator.scenario import load_scenario

    on = live_clock(hour=7, day=DAY, timezone="Europe/Paris").now()
    first, again = (live_day(load_scenario("small-town"), seed=9, on=on, timezone="Europe/Paris") for _ in range(2))

    assert first.arrivals == again.arrivals
    assert [(t.technician.id, t.technician.home_base, t.shift_start) for t in first.technicians] == [
        (t.technician.id, t.technician.home_base, t.shift_start) for t in again.technicians
    ]
    assert first.arrivals != live_day(load_scenario("small-town"), seed=10, on=on, timezone="Europe/Paris").arrivals
