"""One simulated day under one policy: wire the world, the technicians and the policy, then run.

    result = simulate_day(generate_day(load_scenario("metro"), seed=3), "dynamic")

Customers call at their arrival second (`CreateWorkOrder` through the bus), some cancel later,
technicians work their day, the policy decides; at the end every order that was neither served
nor cancelled is marked unserved with the reason. May import: bootstrap, service, domain and
simulator modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.events import OrderCreated
from fieldpilot.domain.values import SkillRequirement
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.ports import TravelTimes
from fieldpilot.simulator.generate import Arrival, Day
from fieldpilot.simulator.kernel import CUSTOMER, OBSERVER
from fieldpilot.simulator.policies import Policy, make_policy
from fieldpilot.simulator.technicians import Technician
from fieldpilot.simulator.timeline import OrderTimeline, Recorder, TechnicianLog
from fieldpilot.simulator.world import REPLAN_ITERATIONS, World, build_world, customer_id, site_id

CANCELLABLE = frozenset({OrderStatus.NEW, OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE})


@dataclass(frozen=True)
class SimulationOptions:
    """How the system under test is configured (the same for every seed of a comparison)."""

    replan_iterations: int = REPLAN_ITERATIONS  # solver iterations per re-plan (reproducible)
    dispatch_params: str | None = None  # a DispatchParams TOML for the engine, else its defaults
    hindsight_iterations: int = 1000  # solver iterations of the offline bound


@dataclass
class DayResult:
    scenario: str
    seed: int
    policy: str
    orders: list[OrderTimeline]
    technicians: list[TechnicianLog]
    latencies: dict[str, list[float]]  # wall seconds per decision, by kind (not part of the seeded results)
    end: int
    steps: int
    sla_arrival: tuple[int, int, int, int] = (120, 240, 480, 1440)
    solver_runs: int = 0
    solver_failures: int = 0
    solver_error: str = ""


class Simulation:
    def __init__(
        self,
        day: Day,
        policy: str,
        *,
        travel: TravelTimes | None = None,
        world: World | None = None,
        options: SimulationOptions | None = None,
    ) -> None:
        self.day = day
        options = options or SimulationOptions()
        self.world = world or build_world(
            day,
            dynamic=policy == "dynamic",
            travel=travel,
            replan_iterations=options.replan_iterations,
            dispatch_params=options.dispatch_params,
        )
        self.kernel = self.world.kernel
        self.services = self.world.services
        self.recorder = Recorder(self.kernel.second_of)
        self.recorder.now = lambda: self.kernel.now
        self.recorder.attach(self.services.bus)
        self._time_auto_dispatch()
        self._calling: Arrival | None = None
        self.services.bus.event_handlers.setdefault(OrderCreated, []).insert(0, self._created)
        self.timelines = self.recorder.orders
        self.arrivals: dict[str, Arrival] = {}
        self.policy: Policy = make_policy(policy, self)
        self.fleet = [
            Technician(
                p,
                world=self.world,
                recorder=self.recorder,
                arrivals=self.arrivals,
                on_unavailable=self.policy.technician_unavailable,
            )
            for p in day.technicians
        ]
        self.by_id = {t.id: t for t in self.fleet}
        self.recorder.listeners.append(self._assigned)
        for arrival in day.arrivals:
            self.kernel.at(arrival.second, lambda a=arrival: self._call(a), priority=CUSTOMER, label="call")  # type: ignore[misc]
        self.policy.start()
        self._feed_traffic()

    def _feed_traffic(self) -> None:
        """Jams reach the live traffic feed when they start and clear when they end."""
        traffic = self.world.traffic
        if traffic is None:
            return
        for n, jam in enumerate(self.day.jams):
            area = f"jam-{n + 1}"
            for second, factor in ((jam.start, jam.factor), (jam.end, 1.0)):
                self.kernel.at(second, lambda a=area, f=factor: self._traffic(a, f), label="traffic")  # type: ignore[misc]

    def _traffic(self, area: str, factor: float) -> None:
        traffic = self.world.traffic
        if traffic is not None and traffic.set_factor(area, factor) is not None:
            self.policy.traffic_changed(area)

    def _time_auto_dispatch(self) -> None:
        """Time the engine where it runs, inside the bus: with auto-dispatch the intake handler
        (creation, snapshot, insertion and commit in one unit of work; re-plans it triggers run
        after it and are timed apart), and every re-plan."""
        bus = self.services.bus
        if self.services.settings.auto_dispatch and cmd.CreateWorkOrder in bus.command_handlers:
            bus.command_handlers[cmd.CreateWorkOrder] = self._timed(
                bus.command_handlers[cmd.CreateWorkOrder], "dispatch"
            )
        replan = bus.command_handlers.get(cmd.Replan)
        if replan is not None:
            bus.command_handlers[cmd.Replan] = self._timed(replan, "replan")

    def _timed(self, handler: Callable[..., Any], kind: str) -> Callable[..., Any]:
        def run(message: object, uow: object) -> Any:
            return self.recorder.timed(lambda: handler(message, uow), kind=kind)

        return run

    def _assigned(self, technician_id: str, order_id: str) -> None:
        tech = self.by_id.get(technician_id)
        if tech is not None:
            self.kernel.at(self.kernel.now, tech.wake, priority=OBSERVER, label="push")

    def wake_all(self) -> None:
        for tech in self.fleet:
            tech.wake()

    def _call(self, arrival: Arrival) -> None:
        now = self.kernel.now
        command = cmd.CreateWorkOrder(
            customer_id=customer_id(arrival.key, self.world.prefix),
            site_id=site_id(arrival.key, self.world.prefix),
            service_type=arrival.service_type,
            required_skills=(SkillRequirement(arrival.skill, arrival.min_level),),
            estimated_duration_minutes=arrival.estimated_minutes,
            priority=arrival.priority,
            actor="customer",
        )
        self._calling = arrival
        try:
            view = self.services.bus.handle(command)
        finally:
            self._calling = None
        order_id = str(view["id"])
        self.policy.order_created(order_id, arrival)
        if arrival.cancel_after is not None:
            self.kernel.at(
                now + arrival.cancel_after, lambda: self._cancel(order_id), priority=CUSTOMER, label="cancel"
            )

    def _created(self, event: OrderCreated, uow: object) -> None:
        """Open the order's timeline as soon as it exists, before auto-dispatch's events arrive."""
        arrival = self._calling
        if arrival is None or event.order_id in self.timelines:
            return
        self.arrivals[event.order_id] = arrival
        self.timelines[event.order_id] = OrderTimeline(
            order_id=event.order_id,
            key=arrival.key,
            priority=int(arrival.priority),
            service_type=arrival.service_type,
            territory=arrival.territory,
            created=self.kernel.now,
            estimated_minutes=arrival.estimated_minutes,
            urgent=arrival.urgent,
        )

    def _cancel(self, order_id: str) -> None:
        with self.services.uow_factory() as uow:
            order = uow.orders.get(order_id)
        if order is None or order.status not in CANCELLABLE:
            return
        try:
            self.services.bus.handle(
                cmd.TransitionWorkOrder(
                    order_id=order_id,
                    action="cancel",
                    expected_version=order.version,
                    reason="customer cancelled",
                    actor="customer",
                )
            )
        except Conflict:
            return
        if order.technician_id in self.by_id:
            self.by_id[order.technician_id].interrupt(order_id)

    def run(self, on_progress: Callable[[int], None] | None = None) -> DayResult:
        self.kernel.run(until=self.day.end, on_step=on_progress)
        return self.result()

    def result(self) -> DayResult:
        """Close the day where the clock stands (what is still open is unserved) and report."""
        self._close_day()
        return DayResult(
            scenario=self.day.scenario.name,
            seed=self.day.seed,
            policy=self.policy.name,
            orders=[self.timelines[k] for k in sorted(self.timelines)],
            technicians=[self.recorder.technicians[k] for k in sorted(self.recorder.technicians)],
            latencies={k: list(v) for k, v in self.recorder.latencies.items()},
            end=self.kernel.now,
            steps=self.kernel.processed,
            sla_arrival=self.day.scenario.sla.arrival,
            solver_runs=self.world.solver.runs if self.world.solver else 0,
            solver_failures=self.world.solver.failures if self.world.solver else 0,
            solver_error=self.world.solver.last_error if self.world.solver else "",
        )

    def _close_day(self) -> None:
        for timeline in self.timelines.values():
            if timeline.outcome != "open":
                continue
            timeline.outcome = "unserved"
            if timeline.arrived is not None:
                timeline.reason = "job not finished by the end of the day"
            elif timeline.technician is None:
                timeline.reason = "no technician could take it before the end of shifts"
            else:
                timeline.reason = "assigned, but the technician's day ended first"


def simulate_day(
    day: Day,
    policy: str,
    *,
    travel: TravelTimes | None = None,
    options: SimulationOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DayResult:
    return Simulation(day, policy, travel=travel, options=options).run(on_progress)
