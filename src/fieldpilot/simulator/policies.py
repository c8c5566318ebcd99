"""Dispatch policies compared on the same day, each acting only through the message bus.

    static   the office without fieldpilot: fixed territories, each with a dispatcher who works
             through new orders every 30 minutes, 90 seconds an order (P1 calls at once),
             first come first served within priority,
             each order appended to the technician of the territory who is free first; a day is
             never re-planned, only a sick technician's orders are handed out again.
    nearest  what basic tools do: at once, the nearest idle qualified technician, or else the one
             who can be there first after their queue; appended, never re-planned.
    dynamic  fieldpilot: the engine's real-time insertion on every new order (auto-dispatch),
             retries of what it could not place, and re-planning (periodic and on triggers) once
             the service layer handles `Replan`.

Static and nearest book through `TransitionWorkOrder(assign, planned_start=...)` with the ETA
window the dispatcher would tell the customer (planned start +- one hour); dynamic goes through
`DispatchOrder`. May import: fieldpilot.domain, fieldpilot.service and simulator modules.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.resources import Absence
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.simulator.generate import distance_km
from fieldpilot.simulator.kernel import DISPATCHER
from fieldpilot.simulator.replans import KernelReplans

if TYPE_CHECKING:
    from fieldpilot.simulator.generate import Arrival
    from fieldpilot.simulator.run import Simulation
    from fieldpilot.simulator.technicians import Technician

POLICIES = ("static", "nearest", "dynamic")
BOUNDS = ("hindsight",)  # not a policy that runs the day: the day planned offline (simulator.hindsight)
PROMISE_HALF_WIDTH = 3600
UNPLACED = frozenset({OrderStatus.NEW})


@dataclass(frozen=True)
class Projection:
    technician: Technician
    free_at: int
    location: Location


class Policy:
    """Base: the common office chores (sick technicians, retries); subclasses decide placement."""

    name = "base"
    auto_dispatch = False

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.backlog: list[str] = []  # orders waiting for a decision, oldest first

    def start(self) -> None:
        """Schedule the policy's own rhythm (batches, retries, re-plans)."""

    def order_created(self, order_id: str, arrival: Arrival) -> None:
        raise NotImplementedError

    def technician_unavailable(self, technician_id: str) -> None:
        """A technician went home sick: record the absence, hand their queued orders out again."""
        sim = self.sim
        with sim.services.uow_factory() as uow:
            tech = uow.technicians.get(technician_id)
            queued = uow.orders.search(
                OrderQuery(
                    technician_id=technician_id,
                    statuses=frozenset({OrderStatus.ASSIGNED, OrderStatus.ACCEPTED}),
                    limit=10_000,
                )
            ).items
        if tech is not None:
            now = sim.kernel.clock.now()
            absence = Absence(start=now, end=sim.kernel.moment(sim.day.end), reason="sick")
            sim.services.bus.handle(
                cmd.UpdateResource(
                    kind=cmd.ResourceKind.TECHNICIAN,
                    key=technician_id,
                    changes={"absences": (*tech.absences, absence)},
                    expected_version=tech.version,
                    actor="dispatcher",
                )
            )
        for order in queued:
            self._transition(order.id, "unassign", reason="technician went home sick")
            self.requeue(order.id)

    def traffic_changed(self, area: str) -> None:
        """The live traffic feed moved (only a system that plans with it can use that)."""

    def requeue(self, order_id: str) -> None:
        if order_id not in self.backlog:
            self.backlog.append(order_id)

    def _transition(self, order_id: str, action: str, **fields: object) -> bool:
        with self.sim.services.uow_factory() as uow:
            order = uow.orders.get(order_id)
        if order is None:
            return False
        try:
            self.sim.services.bus.handle(
                cmd.TransitionWorkOrder(
                    order_id=order_id,
                    action=action,
                    expected_version=order.version,
                    actor="dispatcher",
                    **fields,  # type: ignore[arg-type]
                )
            )
        except Conflict:
            return False
        return True

    def _status(self, order_id: str) -> OrderStatus | None:
        with self.sim.services.uow_factory() as uow:
            order = uow.orders.get(order_id)
        return None if order is None else order.status


class DynamicPolicy(Policy):
    """fieldpilot as configured for production: auto-dispatch on intake, and re-plans on the service
    layer's own triggers (urgent order, cancellation, unassignment, technician changed or late,
    traffic) and period, coalesced as the server's worker does (simulator.replans)."""

    name = "dynamic"
    auto_dispatch = True
    retry_every = 900

    def start(self) -> None:
        sim = self.sim
        first = min(t.shift_start for t in sim.day.technicians)
        last = max(t.shift_end for t in sim.day.technicians)
        for second in range(first, last + 1, self.retry_every):
            sim.kernel.at(second, self._retry, priority=DISPATCHER, label="dynamic retry")
        self.replans: KernelReplans | None = None
        if cmd.Replan in sim.services.bus.command_handlers:
            self.replans = KernelReplans(sim.services.bus, sim.kernel, seed=sim.day.seed, on_done=sim.wake_all)
            self.replans.attach()
            period = int(getattr(sim.services.settings, "replan_period_minutes", 10) * 60)
            self.replans.every(period, start=first, end=last)

    def traffic_changed(self, area: str) -> None:
        if self.replans is not None:
            self.replans.request(f"traffic change in {area}")

    def order_created(self, order_id: str, arrival: Arrival) -> None:
        # Auto-dispatch already ran inside CreateWorkOrder; keep what it could not place.
        if self._status(order_id) in UNPLACED:
            self.requeue(order_id)

    def technician_unavailable(self, technician_id: str) -> None:
        super().technician_unavailable(technician_id)
        self._retry()
        self.sim.wake_all()

    def _retry(self) -> None:
        waiting, self.backlog = self.backlog, []
        order_of = self.sim.timelines
        waiting.sort(key=lambda o: (order_of[o].priority, order_of[o].created, o))
        for order_id in waiting:
            if self._status(order_id) not in UNPLACED:
                continue
            with contextlib.suppress(Conflict):  # someone booked it meanwhile
                self.sim.recorder.timed(
                    lambda o=order_id: self.sim.services.bus.handle(cmd.DispatchOrder(order_id=o, actor="engine")),  # type: ignore[misc]
                    kind="dispatch",
                )
            if self._status(order_id) in UNPLACED:
                self.backlog.append(order_id)


class QueuePolicy(Policy):
    """Shared by static and nearest: append to a technician's queue, judged from the board."""

    def projection(self, tech: Technician) -> Projection:
        """When and where the technician will be free after everything already queued (estimates)."""
        sim, now = self.sim, self.sim.kernel.now
        roads = sim.world.roads
        free, place = max(now, tech.plan.shift_start), tech.position
        if tech.state == "driving" and tech.trip is not None and tech.current is not None:
            estimate = sim.timelines[tech.current].estimated_minutes * 60
            free, place = (
                max(now, tech.trip.depart + roads.planned_seconds(tech.trip.origin, tech.trip.destination)) + estimate,
                tech.trip.destination,
            )
        elif tech.state == "working" and tech.current is not None:
            started = sim.timelines[tech.current].arrived or now
            free = max(now, started + sim.timelines[tech.current].estimated_minutes * 60)
        elif tech.state == "break":
            free = max(now, tech.busy_until)
        for order_id in sim.recorder.queues.get(tech.id, []):
            timeline = sim.timelines[order_id]
            site = sim.arrivals[order_id].location
            start = max(free + roads.planned_seconds(place, site), timeline.planned_start or 0)
            free, place = start + timeline.estimated_minutes * 60, site
        if not tech.break_taken and tech.plan.break_start is not None and free >= tech.plan.break_start:
            free += tech.plan.break_seconds
        return Projection(tech, free, place)

    def candidates(self, arrival: Arrival, *, territory: int | None) -> list[Projection]:
        found = []
        for tech in self.sim.fleet:
            if tech.sick or tech.state == "home" or tech.plan.technician.skill_level(arrival.skill) < arrival.min_level:
                continue
            if territory is not None and tech.plan.depot != territory:
                continue
            projection = self.projection(tech)
            start = projection.free_at + self.sim.world.roads.planned_seconds(projection.location, arrival.location)
            if start + arrival.estimated_minutes * 60 <= tech.last_second:
                found.append(projection)
        return found

    def book(self, order_id: str, projection: Projection) -> bool:
        arrival = self.sim.arrivals[order_id]
        roads = self.sim.world.roads
        start = projection.free_at + roads.planned_seconds(projection.location, arrival.location)
        start = max(start, self.sim.kernel.now)
        self.sim.timelines[order_id].planned_start = start
        done = self.sim.recorder.timed(
            lambda: self._transition(
                order_id,
                "assign",
                technician_id=projection.technician.id,
                planned_start=self.sim.kernel.moment(start),
                reason=self.name,
            ),
            kind="dispatch",
        )
        if done:
            self.sim.recorder.promise(order_id, start - PROMISE_HALF_WIDTH, start + PROMISE_HALF_WIDTH)
            projection.technician.wake()
        return bool(done)


class NearestPolicy(QueuePolicy):
    name = "nearest"
    retry_every = 900

    def start(self) -> None:
        sim = self.sim
        first = min(t.shift_start for t in sim.day.technicians)
        last = max(t.shift_end for t in sim.day.technicians)
        for second in range(first, last + 1, self.retry_every):
            sim.kernel.at(second, self._retry, priority=DISPATCHER, label="nearest retry")

    def order_created(self, order_id: str, arrival: Arrival) -> None:
        if not self._place(order_id):
            self.requeue(order_id)

    def technician_unavailable(self, technician_id: str) -> None:
        super().technician_unavailable(technician_id)
        self._retry()

    def _place(self, order_id: str) -> bool:
        arrival = self.sim.arrivals[order_id]
        options = self.candidates(arrival, territory=None)
        if not options:
            return False
        now, roads = self.sim.kernel.now, self.sim.world.roads
        idle = [p for p in options if p.free_at <= now and p.technician.state in ("idle", "waiting", "off")]
        if idle:
            best = min(idle, key=lambda p: (distance_km(p.location, arrival.location), p.technician.id))
        else:
            best = min(
                options,
                key=lambda p: (p.free_at + roads.planned_seconds(p.location, arrival.location), p.technician.id),
            )
        return self.book(order_id, best)

    def _retry(self) -> None:
        waiting, self.backlog = self.backlog, []
        for order_id in waiting:
            if self._status(order_id) in UNPLACED and not self._place(order_id):
                self.backlog.append(order_id)


class StaticPolicy(QueuePolicy):
    name = "static"
    batch_every = 1800
    handling_seconds = 90  # a dispatcher's time per order (reading, calling, booking)

    def start(self) -> None:
        sim = self.sim
        first = min(t.shift_start for t in sim.day.technicians)
        last = max(t.shift_end for t in sim.day.technicians)
        for second in range(first - first % self.batch_every, last + 1, self.batch_every):
            sim.kernel.at(second, self._batch, priority=DISPATCHER, label="static batch")
        self.free_at: dict[int, int] = {}  # territory -> when its dispatcher can take the next order

    def order_created(self, order_id: str, arrival: Arrival) -> None:
        if arrival.priority == 1:  # an emergency call is handled at once, by phone
            self._handle_later(order_id)
        else:
            self.requeue(order_id)

    def _handle_later(self, order_id: str) -> None:
        """Each territory has its dispatcher, who works through orders one at a time."""
        territory = self.sim.arrivals[order_id].territory
        ready = max(self.free_at.get(territory, 0), self.sim.kernel.now) + self.handling_seconds
        self.free_at[territory] = ready
        self.sim.kernel.at(ready, lambda: self._handle(order_id), priority=DISPATCHER, label="dispatch")

    def _batch(self) -> None:
        waiting, self.backlog = self.backlog, []
        timelines = self.sim.timelines
        waiting.sort(key=lambda o: (timelines[o].priority, timelines[o].created, o))
        for order_id in waiting:
            self._handle_later(order_id)

    def _handle(self, order_id: str) -> None:
        if self._status(order_id) not in UNPLACED:
            return
        arrival = self.sim.arrivals[order_id]
        options = self.candidates(arrival, territory=arrival.territory) or self.candidates(arrival, territory=None)
        roads = self.sim.world.roads
        if not options:
            self.requeue(order_id)
            return
        best = min(
            options, key=lambda p: (p.free_at + roads.planned_seconds(p.location, arrival.location), p.technician.id)
        )
        if not self.book(order_id, best):
            self.requeue(order_id)


def make_policy(name: str, sim: Simulation) -> Policy:
    kinds: dict[str, type[Policy]] = {"static": StaticPolicy, "nearest": NearestPolicy, "dynamic": DynamicPolicy}
    if name not in kinds:
        raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICIES)}")
    return kinds[name](sim)
