"""Simulated technicians: they work their day through the bus, as the mobile app would.

Each technician starts at home at the start of the shift, asks the service layer for the next
order of their day (the booked order with the earliest planned start), accepts it, drives there
(true road times), arrives, works the job's true duration and completes it, reading the order's
version before every action (If-Match). They take their break, stop at the end of the shift plus
the overtime they may do, and report their position when the service layer takes reports.

May import: fieldpilot.domain, fieldpilot.service and simulator modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.simulator.kernel import TECHNICIAN
from fieldpilot.simulator.timeline import TechnicianLog

if TYPE_CHECKING:
    from fieldpilot.simulator.generate import Arrival, TechnicianPlan
    from fieldpilot.simulator.timeline import Recorder
    from fieldpilot.simulator.world import World

QUEUED = frozenset({OrderStatus.ASSIGNED, OrderStatus.ACCEPTED})
POSITION_EVERY = 600  # seconds between position reports while driving


@dataclass
class Trip:
    order_id: str | None
    origin: Location
    destination: Location
    depart: int
    arrive: int
    metres: int


class Technician:
    """One technician's day, driven by kernel callbacks."""

    def __init__(
        self,
        plan: TechnicianPlan,
        *,
        world: World,
        recorder: Recorder,
        arrivals: dict[str, Arrival],
        on_unavailable: Callable[[str], None],
    ) -> None:
        self.plan = plan
        self.id = plan.technician.id
        self.world = world
        self.kernel = world.kernel
        self.bus = world.services.bus
        self.recorder = recorder
        self.arrivals = arrivals
        self.on_unavailable = on_unavailable
        self.position = plan.technician.home_base
        self.state = "off"  # off, idle, waiting, driving, working, break, home
        self.trip: Trip | None = None
        self.current: str | None = None
        self.busy_until = plan.shift_start
        self.break_taken = plan.break_start is None
        self.sick = False
        self.generation = 0  # bumps invalidate callbacks scheduled for an older plan of action
        self.reports = cmd.ReportPosition in self.bus.command_handlers
        self.log = TechnicianLog(self.id, plan.shift_start, plan.shift_end, sick_at=plan.sick_at)
        recorder.technicians[self.id] = self.log
        self.kernel.at(plan.shift_start, self._start_shift, priority=TECHNICIAN, label=f"{self.id} shift")
        if plan.break_start is not None:
            self.kernel.at(plan.break_start, self._maybe_break, priority=TECHNICIAN, label=f"{self.id} break")
        if plan.sick_at is not None:
            self.kernel.at(plan.sick_at, self._fall_sick, priority=TECHNICIAN, label=f"{self.id} sick")

    # -- reading and acting through the bus --------------------------------------------------

    def _read(self, order_id: str) -> WorkOrder | None:
        with self.world.services.uow_factory() as uow:
            return uow.orders.get(order_id)

    def _next_booked(self) -> WorkOrder | None:
        query = OrderQuery(technician_id=self.id, statuses=QUEUED, sort="planned_start", limit=1)
        with self.world.services.uow_factory() as uow:
            items = uow.orders.search(query).items
        return items[0] if items else None

    def _act(self, order: WorkOrder, action: str, reason: str = "") -> WorkOrder | None:
        try:
            self.bus.handle(
                cmd.TransitionWorkOrder(
                    order_id=order.id, action=action, expected_version=order.version, reason=reason, actor=self.id
                )
            )
        except Conflict:
            return None  # the office changed it meanwhile: read again next time
        return self._read(order.id)

    def _report(self) -> None:
        if self.reports:
            at = self.kernel.clock.now()
            self.bus.handle(cmd.ReportPosition(technician_id=self.id, location=self.position, at=at, actor=self.id))

    # -- the day -------------------------------------------------------------------------------

    @property
    def on_duty(self) -> bool:
        return self.state not in ("off", "home") and not self.sick

    @property
    def last_second(self) -> int:
        return self.plan.shift_end + self.plan.technician.max_overtime_minutes * 60

    def _later(self, second: int, action: Callable[[], None], label: str) -> None:
        generation = self.generation

        def fire() -> None:
            if generation == self.generation:
                action()

        self.kernel.at(second, fire, priority=TECHNICIAN, label=f"{self.id} {label}")

    def _start_shift(self) -> None:
        if self.sick or self.state != "off":
            return
        self.state = "idle"
        self._report()
        self.next_job()

    def wake(self) -> None:
        """Something changed in this technician's day (new assignment): look again if free."""
        if self.state in ("idle", "waiting"):
            self.generation += 1
            self.state = "idle"
            self.next_job()

    def next_job(self) -> None:
        now = self.kernel.now
        if self.sick or now >= self.last_second:
            self._go_home()
            return
        if not self.break_taken and self.plan.break_start is not None and now >= self.plan.break_start:
            self._take_break()
            return
        order = self._next_booked()
        if order is None:
            self.state = "idle"
            if now >= self.plan.shift_end:
                self._go_home()
            return
        arrival = self.arrivals.get(order.id)
        seconds = self.world.roads.seconds(self.position, self._site(order), depart=now)
        estimate = self.world.roads.planned_seconds(self.position, self._site(order))
        if now + estimate + order.estimated_duration_minutes * 60 > self.last_second or arrival is None:
            self.state = "idle"
            self._go_home()
            return
        window = order.eta_window
        if window is not None:
            leave = self.kernel.second_of(window.start) - estimate
            if leave > now + 60:
                self.state = "waiting"
                self._later(leave, self.wake, "leave")
                return
        if order.status is OrderStatus.ASSIGNED:
            accepted = self._act(order, "accept")
            if accepted is None:
                self._later(now + 60, self.wake, "retry")
                self.state = "waiting"
                return
            order = accepted
        started = self._act(order, "start_travel")
        if started is None:
            self.state = "waiting"
            self._later(now + 60, self.wake, "retry")
            return
        self._drive(order.id, self._site(order), seconds)

    def _site(self, order: WorkOrder) -> Location:
        return self.arrivals[order.id].location

    def _drive(self, order_id: str | None, destination: Location, seconds: int) -> None:
        now = self.kernel.now
        metres = self.world.roads.metres(self.position, destination)
        self.trip = Trip(order_id, self.position, destination, now, now + seconds, metres)
        self.state = "driving"
        self.current = order_id
        self._report()
        for tick in range(now + POSITION_EVERY, now + seconds, POSITION_EVERY):
            self._later(tick, self._report_on_the_way, "position")
        self._later(now + seconds, self._arrive, "arrive")

    def _report_on_the_way(self) -> None:
        if self.trip is not None:
            self.position = self._where(self.kernel.now)
            self._report()

    def _where(self, second: int) -> Location:
        trip = self.trip
        assert trip is not None
        share = 1.0 if trip.arrive <= trip.depart else min(1.0, (second - trip.depart) / (trip.arrive - trip.depart))
        return Location(
            round(trip.origin.lat + (trip.destination.lat - trip.origin.lat) * share, 6),
            round(trip.origin.lon + (trip.destination.lon - trip.origin.lon) * share, 6),
        )

    def _end_trip(self, second: int) -> Trip:
        trip = self.trip
        assert trip is not None
        share = 1.0 if trip.arrive <= trip.depart else (second - trip.depart) / (trip.arrive - trip.depart)
        self.position = trip.destination if share >= 1 else self._where(second)
        km = trip.metres * min(1.0, share) / 1000
        self.log.km += km
        self.log.activities.append((trip.depart, second, "drive", trip.order_id or "home"))
        if trip.order_id is not None and trip.order_id in self.recorder.orders:
            self.recorder.orders[trip.order_id].km += km
        self.trip = None
        return trip

    def interrupt(self, order_id: str) -> None:
        """The order being driven to was cancelled: stop where we are and look again."""
        if self.state == "driving" and self.current == order_id:
            self.generation += 1
            self._end_trip(self.kernel.now)
            self.current = None
            self.state = "idle"
            self.next_job()

    def _arrive(self) -> None:
        trip = self._end_trip(self.kernel.now)
        if trip.order_id is None:  # back home
            self.state = "home"
            self.log.home_at = self.kernel.now
            self._report()
            return
        self._report()
        order = self._read(trip.order_id)
        if order is None or order.status is not OrderStatus.EN_ROUTE or order.technician_id != self.id:
            self.state = "idle"
            self.next_job()
            return
        on_site = self._act(order, "arrive")
        arrival = self.arrivals[order.id]
        if on_site is None:
            self.state = "idle"
            self.next_job()
            return
        now = self.kernel.now
        if arrival.no_show:
            wait = self.world.day.scenario.disruptions.no_show_wait_minutes * 60
            self.state = "working"
            self.log.activities.append((now, now + wait, "no_show", order.id))
            self._later(now + wait, lambda: self._leave_no_show(order.id), "no-show")
            return
        seconds = arrival.true_seconds(self.plan.speed)
        self.state = "working"
        self.busy_until = now + seconds
        self.log.activities.append((now, now + seconds, "work", order.id))
        self._later(now + seconds, lambda: self._complete(order.id), "complete")

    def _leave_no_show(self, order_id: str) -> None:
        order = self._read(order_id)
        if order is not None and order.status is OrderStatus.ON_SITE:
            self._act(order, "cancel", reason="customer no-show")
        self.current = None
        self.state = "idle"
        self.next_job()

    def _complete(self, order_id: str) -> None:
        order = self._read(order_id)
        if order is not None and order.status is OrderStatus.ON_SITE and self._act(order, "complete"):
            self.log.jobs += 1
        self.current = None
        self.state = "idle"
        self.next_job()

    def _maybe_break(self) -> None:
        if self.state == "idle" and not self.break_taken:
            self.generation += 1
            self._take_break()

    def _take_break(self) -> None:
        now = self.kernel.now
        self.break_taken = True
        self.state = "break"
        self.log.activities.append((now, now + self.plan.break_seconds, "break", ""))
        self._later(now + self.plan.break_seconds, self._after_break, "break over")

    def _after_break(self) -> None:
        self.state = "idle"
        self.next_job()

    def _fall_sick(self) -> None:
        self.sick = True
        if self.state in ("idle", "waiting", "break", "off"):
            self.generation += 1
            self._go_home()
        self.on_unavailable(self.id)

    def _go_home(self) -> None:
        if self.state in ("home", "driving") or (self.state == "off" and not self.sick):
            if self.state == "off":
                self.state = "home"
            return
        if self.state == "off":
            self.state = "home"
            return
        home = self.plan.technician.home_base
        seconds = self.world.roads.seconds(self.position, home, depart=self.kernel.now)
        self._drive(None, home, seconds)
