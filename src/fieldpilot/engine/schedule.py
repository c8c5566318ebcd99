"""Route schedules: when each visit of a technician's route starts, and whether the route holds.

The schedule is the earliest one: leave as soon as a visit ends, wait at the customer when early,
take each break in the first gap at or after its window opens (earlier, waiting for the window,
when the next visit would end after the break's latest start), skip past absences. A break whose
window closed before the technician's day (re)starts counts as taken. Visits that are en route or
on site keep their start, and no break interrupts them (`owed_breaks`: one that cannot be taken
around them follows right after). A time-locked visit must be reached by its start. A warehouse
detour (`Restock`) is driven just before its visit.

`RouteSchedule` caches, for every position of a route, the state just before it (time ready to
leave, place, next break, travel and lateness so far). Inserting an order at position p replays
only from p and stops as soon as the replay rejoins the cached schedule, which keeps one insertion
test at a few microseconds.

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,plan} and the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import NamedTuple

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Route, ScheduledBreak, ScheduledVisit
from fieldpilot.engine.problem import (
    OPEN_END,
    DispatchProblem,
    OrderRequest,
    PinKind,
    PlannedVisit,
    Restock,
    TechnicianState,
    day_start,
    owed_breaks,
)


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit as the scheduler needs it."""

    order_id: str
    location: int
    duration: int
    window_start: int
    window_end: int
    promised: bool  # the window's end comes from a promise to the customer
    fixed_start: int | None  # en route or on site: the start does not move
    restock: Restock | None
    deadline: int | None
    lateness_rate: float  # cost per second past the SLA deadline
    time_locked: bool = False  # the window is the dispatcher's locked start, nothing else
    waiting_rate: float = 0.0  # cost per second the customer waits for the visit to start


class Failure(NamedTuple):
    kind: str  # "window", "promise", "time_lock", "shift_end", "break"
    order_id: str | None
    second: int


class Cursor(NamedTuple):
    """The state at a point of a route, ready to leave."""

    time: int
    location: int
    next_break: int
    travel: int
    distance: int
    lateness: float
    waited: float = 0.0  # sum of waiting_rate x start over the stops so far


@dataclass(slots=True)
class Replay:
    """The outcome of scheduling a sequence of stops from a cursor."""

    failure: Failure | None = None
    first_start: int = 0  # start of stops[0]
    starts: list[int] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)  # at each stop, before any wait
    breaks: list[ScheduledBreak] = field(default_factory=list)
    cursors: list[Cursor] = field(default_factory=list)  # before each stop, then at the end
    home_arrival: int = 0
    travel: int = 0
    distance: int = 0
    lateness: float = 0.0
    waited: float = 0.0  # sum of waiting_rate x start over the route

    @property
    def feasible(self) -> bool:
        return self.failure is None


def make_stop(
    order: OrderRequest,
    *,
    params: DispatchParams,
    visit: PlannedVisit | None = None,
    restock: Restock | None = None,
) -> Stop:
    lo = -OPEN_END if order.earliest_start is None else order.earliest_start
    hi = OPEN_END if order.latest_start is None else order.latest_start
    promised = False
    promise = visit.promised_window if visit and visit.promised_window else order.promised_window
    if promise is not None:
        tolerance = params.promise_tolerance
        promised = promise.end + tolerance < hi
        if order.priority > params.early_service_priorities:  # an emergency may come earlier than promised
            lo = max(lo, promise.start - tolerance)
        hi = min(hi, promise.end + tolerance)  # lo > hi: a clash
    time_locked = visit is not None and visit.pin is PinKind.LOCKED_TIME
    if visit is not None and time_locked:  # the agreed start replaces the order's window and promise
        lo = hi = visit.planned_start
        promised = False
    fixed = visit.planned_start if visit and visit.pin and visit.pin.under_way else None
    return Stop(
        order_id=order.id,
        location=order.location,
        duration=order.duration,
        window_start=lo,
        window_end=hi,
        promised=promised,
        fixed_start=fixed,
        restock=visit.restock if visit else restock,
        deadline=order.sla_deadline,
        lateness_rate=params.lateness_weight
        * params.priority_weights[order.priority - 1]
        * params.tier_weights[order.customer_tier],
        time_locked=time_locked,
        waiting_rate=params.waiting_cost_per_second(priority=order.priority, tier=order.customer_tier),
    )


class RouteScheduler:
    """Schedules stops for one technician on one problem."""

    __slots__ = ("breaks", "duration", "problem", "tech", "warehouses")

    def __init__(self, problem: DispatchProblem, tech: TechnicianState) -> None:
        self.problem = problem
        self.tech = tech
        self.duration = problem.matrix.duration
        # a break whose window closed before the technician's day (re)starts counts as taken
        day_starts = day_start(problem, tech)
        owed = owed_breaks(problem, tech)
        self.breaks = sorted((b for b in owed if b.latest_start >= day_starts), key=lambda b: (b.start, b.end))
        self.warehouses = problem.warehouses

    def on(self, problem: DispatchProblem) -> RouteScheduler:
        """This scheduler on another problem where the technician is the same object, their day starts
        at the same second, their route's requests are the same objects and the warehouses are equal:
        the breaks owed are then the same, only the problem (its grown matrix) changes."""
        moved = object.__new__(RouteScheduler)
        moved.problem = problem
        moved.tech = self.tech
        moved.duration = problem.matrix.duration
        moved.breaks = self.breaks
        moved.warehouses = problem.warehouses
        return moved

    def start_cursor(self) -> Cursor:
        tech = self.tech
        return Cursor(day_start(self.problem, tech), tech.start_location, 0, 0, 0, 0.0, 0.0)

    def replay(  # one pass over the route, kept in one loop for speed
        self,
        stops: Sequence[Stop],
        *,
        cursor: Cursor,
        strict: bool = True,
        record: bool = False,
        rejoin: RouteSchedule | None = None,
        rejoin_at: int = 0,
    ) -> Replay:
        """Schedule `stops` from `cursor`, then drive home.

        With `rejoin`, stops[1:] are `rejoin`'s stops from index `rejoin_at`: as soon as the state
        after one of them equals the cached one, the rest of the route is taken from the cache.
        """
        out = Replay()
        tech, duration, breaks = self.tech, self.duration, self.breaks
        latest_end = tech.latest_end
        now = self.problem.now
        t, loc, nb, travel, dist, late, waited = cursor
        for i, stop in enumerate(stops):
            if record:
                out.cursors.append(Cursor(t, loc, nb, travel, dist, late, waited))
            while nb < len(breaks):
                brk = breaks[nb]
                if stop.fixed_start is not None and max(t, brk.start) + brk.duration > stop.fixed_start:
                    break  # work under way is not interrupted: the break comes after it (`owed_breaks`)
                if t < brk.start:
                    if stop.fixed_start is not None:
                        early = stop.fixed_start
                    else:
                        early = max(t + duration(loc, stop.location, t), stop.window_start)
                    if early + stop.duration <= brk.latest_start:
                        break
                begin = max(t, brk.start)
                if begin > brk.latest_start:
                    if strict:
                        out.failure = Failure("break", stop.order_id, begin)
                        return out
                    out.failure = out.failure or Failure("break", stop.order_id, begin)
                if record:
                    out.breaks.append(ScheduledBreak(begin, begin + brk.duration))
                t = begin + brk.duration
                nb += 1
            if stop.restock is not None:
                depot = self.warehouses[stop.restock.warehouse]
                leg = duration(loc, depot.location, t)
                dist += self.problem.matrix.distance(loc, depot.location)
                t += leg + depot.pickup_seconds
                travel += leg
                loc = depot.location
            leg = duration(loc, stop.location, t)
            travel += leg
            dist += self.problem.matrix.distance(loc, stop.location)
            start = t + leg
            if record:
                out.arrivals.append(start)
            if start < stop.window_start:
                start = stop.window_start
            if stop.fixed_start is not None:
                start = stop.fixed_start
            else:
                for absence in tech.absences:
                    if start < absence.end and start + stop.duration > absence.start:
                        start = absence.end
                if start > stop.window_end:
                    kind = "time_lock" if stop.time_locked else "promise" if stop.promised else "window"
                    if strict:
                        out.failure = Failure(kind, stop.order_id, start)
                        return out
                    out.failure = out.failure or Failure(kind, stop.order_id, start)
            if stop.deadline is not None and start > stop.deadline:
                late += (start - stop.deadline) * stop.lateness_rate
            waited += stop.waiting_rate * start
            if i == 0:
                out.first_start = start
            if record:
                out.starts.append(start)
            t = start + stop.duration
            if stop.fixed_start is not None and t < now:
                t = now  # a visit under way that overran its estimate is not over before now
            loc = stop.location
            if i and rejoin is not None:
                k = rejoin_at + i  # index, in the cached route, of the cursor after this stop
                if t == rejoin.cursors[k].time and nb == rejoin.cursors[k].next_break:
                    old = rejoin.cursors[k]
                    out.travel = travel + rejoin.travel - old.travel
                    out.distance = dist + rejoin.distance - old.distance
                    out.lateness = late + rejoin.lateness - old.lateness
                    out.waited = waited + rejoin.waited - old.waited
                    out.home_arrival = rejoin.home_arrival
                    return out
        if record:
            out.cursors.append(Cursor(t, loc, nb, travel, dist, late, waited))
        while nb < len(breaks):
            brk = breaks[nb]
            if t + duration(loc, tech.end_location, t) <= brk.start:
                break
            begin = max(t, brk.start)
            if begin > brk.latest_start:
                if strict:
                    out.failure = Failure("break", None, begin)
                    return out
                out.failure = out.failure or Failure("break", None, begin)
            if record:
                out.breaks.append(ScheduledBreak(begin, begin + brk.duration))
            t = begin + brk.duration
            nb += 1
        leg = duration(loc, tech.end_location, t)
        out.home_arrival = t + leg
        out.travel = travel + leg
        out.distance = dist + self.problem.matrix.distance(loc, tech.end_location)
        out.lateness = late
        out.waited = waited
        if out.home_arrival > latest_end and stops:
            failure = Failure("shift_end", stops[-1].order_id, out.home_arrival)
            out.failure = out.failure or failure
        return out


@dataclass(slots=True)
class RouteSchedule:
    """A technician's current route, scheduled, with the state cached before every position."""

    tech: TechnicianState
    scheduler: RouteScheduler
    stops: list[Stop]
    starts: list[int]
    breaks: list[ScheduledBreak]
    cursors: list[Cursor]
    home_arrival: int
    travel: int
    distance: int
    lateness: float
    waited: float  # sum of waiting_rate x start over the route (differences are waiting costs)
    failure: Failure | None
    service: int  # seconds of work on site
    arrivals: list[int]
    arrival_slack: list[int]  # how much later each stop could be reached with the route still holding
    first_free: int  # insertions go at this position or later (after en-route/on-site visits)

    @property
    def feasible(self) -> bool:
        return self.failure is None

    def on(self, problem: DispatchProblem) -> RouteSchedule:
        """This schedule carried to another problem (see `RouteScheduler.on`)."""
        return self.copy(scheduler=self.scheduler.on(problem))

    def copy(self, **changes: object) -> RouteSchedule:
        """`dataclasses.replace(self, **changes)`, built field by field (replace costs more than the
        rest of carrying a schedule to the next snapshot)."""
        if not changes.keys() <= _SCHEDULE_FIELD_SET:
            raise TypeError(f"RouteSchedule has no field {sorted(changes.keys() - _SCHEDULE_FIELD_SET)}")
        copied = object.__new__(RouteSchedule)
        for name in _SCHEDULE_FIELDS:
            setattr(copied, name, changes[name] if name in changes else getattr(self, name))
        return copied

    @property
    def van_stock(self) -> dict[str, int]:
        """What is left on the van once the route's visits are served (restocks included)."""
        van = dict(self.tech.stock)
        for stop in self.stops:
            for part, qty in self.scheduler.problem.order(stop.order_id).parts.items():
                picked = stop.restock.parts.get(part, 0) if stop.restock else 0
                van[part] = van.get(part, 0) - qty + picked
        return van

    @property
    def overtime(self) -> int:
        return max(0, self.home_arrival - self.tech.shift_end)

    @property
    def work(self) -> int:
        """Service plus travel seconds."""
        return self.service + self.travel

    def to_route(self) -> Route:
        visits = tuple(
            ScheduledVisit(s.order_id, start, start + s.duration, s.restock)
            for s, start in zip(self.stops, self.starts, strict=True)
        )
        return Route(self.tech.id, visits, tuple(self.breaks))


def schedule_route(
    problem: DispatchProblem,
    tech: TechnicianState,
    *,
    params: DispatchParams,
    stops: list[Stop] | None = None,
) -> RouteSchedule:
    """Schedule a technician's route (their current one unless `stops` is given)."""
    if stops is None:
        stops = [make_stop(problem.order(v.order_id), params=params, visit=v) for v in tech.route]
    scheduler = RouteScheduler(problem, tech)
    replay = scheduler.replay(stops, cursor=scheduler.start_cursor(), strict=False, record=True)
    return _scheduled(problem, tech, scheduler, stops, replay)


def schedule_edited(
    problem: DispatchProblem, tech: TechnicianState, before: RouteSchedule, *, position: int, added: Stop | None
) -> RouteSchedule:
    """`schedule_route` of `tech`'s route, which is `before`'s (a feasible one, on a problem `problem`
    is derived from, of the same technician but for the route) with the visit at `position` taken
    out (`added` None) or `added` put in there, neither of them under way (so the same breaks are
    owed): the schedule up to `position` is kept and only the rest replayed. The replay is a fold
    over the stops from the state before each one, and `before` met no failure, so the result is the
    same."""
    rest = before.stops[position + 1 :] if added is None else [added, *before.stops[position:]]
    scheduler = RouteScheduler(problem, tech)
    cursor = before.cursors[position]
    tail = scheduler.replay(rest, cursor=cursor, strict=False, record=True)
    taken = cursor.next_break  # breaks are taken in order, each one recorded
    replay = replace(
        tail,
        starts=before.starts[:position] + tail.starts,
        arrivals=before.arrivals[:position] + tail.arrivals,
        breaks=before.breaks[:taken] + tail.breaks,
        cursors=before.cursors[:position] + tail.cursors,
    )
    return _scheduled(problem, tech, scheduler, before.stops[:position] + rest, replay)


def _scheduled(
    problem: DispatchProblem, tech: TechnicianState, scheduler: RouteScheduler, stops: list[Stop], replay: Replay
) -> RouteSchedule:
    first_free = 0
    for index, stop in enumerate(stops):
        if stop.fixed_start is not None:
            first_free = index + 1
    return RouteSchedule(
        tech=tech,
        scheduler=scheduler,
        stops=stops,
        starts=replay.starts,
        breaks=replay.breaks,
        cursors=replay.cursors,
        home_arrival=replay.home_arrival,
        travel=replay.travel,
        distance=replay.distance,
        lateness=replay.lateness,
        waited=replay.waited,
        failure=replay.failure,
        service=sum(s.duration for s in stops),
        arrivals=replay.arrivals,
        arrival_slack=_forward_slack(problem, tech, stops, replay, first_free=first_free),
        first_free=first_free,
    )


_SCHEDULE_FIELDS = tuple(f.name for f in fields(RouteSchedule))
_SCHEDULE_FIELD_SET = frozenset(_SCHEDULE_FIELDS)
NO_LIMIT = 10**15


def _forward_slack(
    problem: DispatchProblem, tech: TechnicianState, stops: list[Stop], replay: Replay, *, first_free: int
) -> list[int]:
    """Forward time slack: for each stop, an upper bound of how much later it could be reached
    without breaking a window, a promise or the shift end further on.

    Waiting at a stop absorbs delay; so may the time spent in a gap beyond the fastest possible
    drive (idle before a break, the break itself, which a delay can move, and congestion that a
    later departure can avoid). It is a necessary condition only: the exact replay decides.
    """
    n = len(stops)
    if replay.failure is not None:
        return [NO_LIMIT] * n
    matrix = problem.matrix
    warehouses = problem.warehouses

    def give(index: int, arrival: int, destination: int) -> int:
        """Time between being ready (cursor) and arriving, beyond the shortest possible drive."""
        cursor = replay.cursors[index]
        here, fastest = cursor.location, 0
        restock = stops[index].restock if index < n else None
        if restock is not None:
            depot = warehouses[restock.warehouse]
            fastest += matrix.shortest_duration(here, depot.location) + depot.pickup_seconds
            here = depot.location
        fastest += matrix.shortest_duration(here, destination)
        return arrival - cursor.time - fastest

    following = give(n, replay.home_arrival, tech.end_location) + tech.latest_end - replay.home_arrival
    slack = [NO_LIMIT] * n
    for k in range(n - 1, first_free - 1, -1):
        stop, start, arrival = stops[k], replay.starts[k], replay.arrivals[k]
        slack[k] = (start - arrival) + min(stop.window_end - start, following)
        following = give(k, arrival, stop.location) + slack[k]
    return slack


def cached_schedule(problem: DispatchProblem, tech: TechnicianState, *, params: DispatchParams) -> RouteSchedule:
    """The schedule of a technician's current route, computed once per problem and params (from the
    stops of the previous snapshot's schedule when `carry_schedules` left them: the same requests,
    visits and params make the same stops)."""
    key = ("schedule", tech.id)
    memo = problem.memo
    found = memo.get(key)
    if isinstance(found, tuple) and found[1].tech is tech and (found[0] is params or found[0] == params):
        cached: RouteSchedule = found[1]
        return cached
    kept = memo.get(("stops", tech.id))  # the route's stops, left by carry_schedules
    stops = None
    if isinstance(kept, tuple) and kept[1] is tech and (kept[0] is params or kept[0] == params):
        stops = kept[2]
    schedule = schedule_route(problem, tech, params=params, stops=stops)
    memo[key] = (params, schedule)
    return schedule


_NOT_ROUTE = attrgetter(*(f.name for f in fields(TechnicianState) if f.name != "route"))


def same_but_route(a: TechnicianState, b: TechnicianState) -> bool:
    """The two states are equal but for their routes."""
    return a is b or bool(_NOT_ROUTE(a) == _NOT_ROUTE(b))


def carry_edited(previous: DispatchProblem, problem: DispatchProblem, tech: TechnicianState) -> None:
    """`problem` is `previous` with `tech` replacing the technician of that id (`DispatchProblem.derived`).
    When the new route is the old one with one visit taken out or put in (not under way, the other
    visits the same), and a feasible schedule of the old one is cached, cache the new one's, made by
    `schedule_edited` (the same as scheduling it afresh)."""
    found = previous.memo.get(("schedule", tech.id))
    if not isinstance(found, tuple) or not found[1].feasible:
        return
    params: DispatchParams = found[0]
    before: RouteSchedule = found[1]
    if previous.technicians_by_id.get(tech.id) is not before.tech or not same_but_route(before.tech, tech):
        return
    a, b = before.tech.route, tech.route
    if abs(len(a) - len(b)) != 1:
        return
    position = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x is not y), min(len(a), len(b)))
    if len(b) < len(a):
        visit, same = a[position], all(x is y for x, y in zip(a[position + 1 :], b[position:], strict=True))
    else:
        visit, same = b[position], all(x is y for x, y in zip(a[position:], b[position + 1 :], strict=True))
    if not same or (visit.pin is not None and visit.pin.under_way):
        return
    added = None
    if len(b) > len(a):
        added = make_stop(problem.order(visit.order_id), params=params, visit=visit)
    schedule = schedule_edited(problem, tech, before, position=position, added=added)
    problem.memo[("schedule", tech.id)] = (params, schedule)


def retimed(
    problem: DispatchProblem, tech: TechnicianState, before: RouteSchedule, *, params: DispatchParams
) -> RouteSchedule | None:
    """`schedule_route` of `tech` when it is `before`'s technician but for the route, and the route
    makes the same stops with the same breaks owed (e.g. only its unpinned visits' planned starts
    moved): `before` with the technician replaced. None otherwise."""
    if not same_but_route(before.tech, tech):
        return None
    stops = [make_stop(problem.order(v.order_id), params=params, visit=v) for v in tech.route]
    if stops != before.stops:
        return None
    scheduler = RouteScheduler(problem, tech)
    if scheduler.breaks != before.scheduler.breaks:
        return None
    return replace(before, tech=tech, scheduler=scheduler)


def carry_schedules(previous: DispatchProblem, problem: DispatchProblem) -> frozenset[str]:
    """Reuse in `problem` the route schedules cached on `previous` that still hold there: the same
    technician object, the same request object for every visit of the route and the same warehouses.
    The caller vouches that `problem`'s travel matrix agrees with `previous`'s on every place
    `previous` has (e.g. the same matrix grown by new places, with the same congestion profile).
    Returns the ids of the technicians found unchanged (whether or not a schedule was cached)."""
    if previous.warehouses != problem.warehouses or previous.matrix.congestion != problem.matrix.congestion:
        return frozenset()
    before, holders = previous.orders_by_id, problem.assigned_technician
    # the technicians with a visit whose request is not the same object as before
    touched = {holders.get(k) for k, request in problem.orders_by_id.items() if before.get(k) is not request}
    known = previous.technicians_by_id
    memo, unchanged = problem.memo, []
    for tech in problem.technicians:
        if known.get(tech.id) is not tech or tech.id in touched:
            continue
        found = previous.memo.get(("schedule", tech.id))
        if isinstance(found, tuple) and found[1].tech is tech:
            schedule: RouteSchedule = found[1]
            carried: RouteSchedule | None = None
            if previous.now == problem.now or not _overran(schedule, max(previous.now, problem.now)):
                if day_start(previous, tech) == day_start(problem, tech):
                    carried = schedule.on(problem)
                else:  # new work is planned from "now" at the earliest, which has moved
                    carried = _restarted(schedule, problem)
            if carried is None:
                # A visit under way ends no earlier than "now", or the day restarts at "now", which has
                # moved: the route is scheduled again, from the same stops.
                memo[("stops", tech.id)] = (found[0], tech, schedule.stops)
                continue
            memo[("schedule", tech.id)] = (found[0], carried)
        unchanged.append(tech.id)
    return frozenset(unchanged)


def _restarted(schedule: RouteSchedule, problem: DispatchProblem) -> RouteSchedule | None:
    """The schedule on `problem`, whose day (re)starts later, if only its start and first arrival
    change there: the route's first visit is under way, the breaks owed are the same, and that visit
    scheduled again from the new start leaves the same state (time, breaks taken, travel, distance),
    from which the rest of the route and every insertion position after it are scheduled alike."""
    stops = schedule.stops
    if not stops or stops[0].fixed_start is None or len(schedule.cursors) != len(stops) + 1:
        return None
    scheduler = RouteScheduler(problem, schedule.tech)
    if scheduler.breaks != schedule.scheduler.breaks:
        return None
    head = scheduler.replay(stops[:1], cursor=scheduler.start_cursor(), strict=False, record=True)
    taken = schedule.cursors[1].next_break
    if head.cursors[1] != schedule.cursors[1] or head.breaks[:taken] != schedule.breaks[:taken]:
        return None
    cursors = [head.cursors[0], *schedule.cursors[1:]]
    return schedule.copy(scheduler=scheduler, cursors=cursors, arrivals=[head.arrivals[0], *schedule.arrivals[1:]])


def _overran(schedule: RouteSchedule, now: int) -> bool:
    """A visit under way would be held to `now` (it ends, as planned, before it): only then does the
    schedule depend on where "now" stands."""
    stops, starts = schedule.stops, schedule.starts
    if len(starts) != len(stops):
        return True  # not fully scheduled: take it as depending on now
    for index in range(schedule.first_free):  # the visits under way are all before `first_free`
        stop = stops[index]
        if stop.fixed_start is not None and starts[index] + stop.duration < now:
            return True
    return False
