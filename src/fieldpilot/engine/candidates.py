"""Ranking technicians for one order: hard filters, then a best-first search over route positions.

For every technician who passes the hard filters, each position in their route gets a cheap lower
bound of the insertion cost (free-flow travel, the order's own lateness and wait, the wait it adds to
the visits it pushes later, workload). Positions are then replayed exactly (`RouteScheduler.replay`,
from the cached state at that position) in order of their bound, until the `keep` cheapest
technicians are known exactly and no remaining bound can beat them. The result is the exact top
`keep` without replaying every position of every route. With a time-of-day congestion profile, the
travel part of a bound is scaled by the factor at the departure time, which is an estimate rather
than a strict bound: a near-tie may then rank differently from an exhaustive search (feasibility is
always decided by the exact replay).

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,schedule,filters,explain,reasons},
the standard library.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from fieldpilot.engine.explain import Candidate, CostBreakdown, Rejection
from fieldpilot.engine.filters import check_technician
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    SECONDS_PER_DAY,
    DispatchProblem,
    OrderRequest,
    Restock,
    TechnicianState,
    Window,
)
from fieldpilot.engine.reasons import Clock, Reason, ReasonCode, sentence_for
from fieldpilot.engine.schedule import Failure, Replay, RouteSchedule, Stop, make_stop
from fieldpilot.engine.team import TeamIndex, screen, team_index


@dataclass(frozen=True, slots=True)
class Ranking:
    order: OrderRequest
    window: Window  # the order's allowed start window, promise included
    ranked: tuple[Candidate, ...]  # best first, one per technician, at most `keep`
    rejected: tuple[Rejection, ...]
    outranked: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bounds:
    """Open positions in search order: bound, then technician id, then position."""

    values: list[float]
    technicians: list[int]  # indexes into problem.technicians
    positions: list[int]
    in_time: set[int]  # technicians with a position where the order can start inside its window


def team_average_work(problem: DispatchProblem, *, params: DispatchParams) -> float:
    """Mean workload (service + free-flow travel seconds) of the technicians on shift."""
    return team_index(problem, params=params).average_work


def workload_after(
    problem: DispatchProblem, schedule: RouteSchedule, stop: Stop, position: int, *, before: float
) -> float:
    """Service + free-flow travel seconds of the route once `stop` is inserted at `position`."""
    rows = problem.matrix.free_flow
    prev, here = schedule.cursors[position].location, stop.location
    if position < len(schedule.stops):
        following = schedule.stops[position]
        nxt = following.location
        if following.restock is not None:
            nxt = problem.warehouses[following.restock.warehouse].location
    else:
        nxt = schedule.tech.end_location
    via = rows[prev, here]
    if stop.restock is not None:
        depot = problem.warehouses[stop.restock.warehouse].location
        via = rows[prev, depot] + rows[depot, here]
    return before + stop.duration + via + rows[here, nxt] - rows[prev, nxt]


def preference_bonus(order: OrderRequest, tech: TechnicianState, *, params: DispatchParams) -> float:
    bonus = 0.0
    if order.customer_id is not None and order.customer_id in tech.served_customers:
        bonus += params.served_customer_bonus
    if order.asset_id is not None and order.asset_id in tech.served_assets:
        bonus += params.served_asset_bonus
    return -bonus if bonus else 0.0


def eta_window(order: OrderRequest, start: int, *, earliest: int, params: DispatchParams) -> Window:
    """The window told to the customer: the promise if one was made, else start +- the half-width,
    never opening before `earliest` (the order's window or the technician's day)."""
    if order.promised_window is not None:
        return order.promised_window
    return Window(max(start - params.eta_half_width, min(earliest, start)), start + params.eta_half_width)


def place(
    problem: DispatchProblem,
    schedule: RouteSchedule,
    stop: Stop,
    position: int,
    *,
    params: DispatchParams,
    work_before: float,
    average_work: float,
    preference: float,
) -> Candidate | Failure:
    """Replay the route with `stop` at `position`; the exact candidate, or why it fails."""
    stops = [stop, *schedule.stops[position:]]
    replay = schedule.scheduler.replay(
        stops,
        cursor=schedule.cursors[position],
        rejoin=schedule if schedule.feasible else None,
        rejoin_at=position,
    )
    if replay.failure is not None:
        return replay.failure
    order = problem.order(stop.order_id)
    start = replay.first_start
    cost = cost_breakdown(
        schedule,
        replay,
        stop,
        start=start,
        params=params,
        workload=workload_after(problem, schedule, stop, position, before=work_before),
        average_work=average_work,
        preference=preference,
        waiting_seconds=customer_wait(problem, order, start),
        waiting_rate=params.waiting_cost_per_second(priority=order.priority, tier=order.customer_tier),
    )
    earliest = max(stop.window_start, schedule.cursors[0].time)
    n = len(schedule.stops)
    return Candidate(
        order_id=order.id,
        technician_id=schedule.tech.id,
        position=position,
        planned_start=start,
        planned_end=start + stop.duration,
        eta_window=eta_window(order, start, earliest=earliest, params=params),
        cost=cost,
        restock=stop.restock,
        after_order_id=schedule.stops[position - 1].order_id if position > 0 else None,
        before_order_id=schedule.stops[position].order_id if position < n else None,
    )


def cost_breakdown(
    schedule: RouteSchedule,
    replay: Replay,
    stop: Stop,
    *,
    start: int,
    params: DispatchParams,
    workload: float,
    average_work: float,
    preference: float,
    waiting_seconds: int = 0,
    waiting_rate: float = 0.0,
) -> CostBreakdown:
    """What a replayed route with `stop` added costs over the cached one, by component; `workload`
    is the route's service + free-flow travel seconds after the insertion, `waiting_seconds` how
    long the customer waits for the visit, at `waiting_rate` per second."""
    added_travel = replay.travel - schedule.travel
    overtime = max(0, replay.home_arrival - schedule.tech.shift_end) - schedule.overtime
    # the visits pushed later keep their customers waiting longer: that counts like the new wait
    knock_on = replay.waited - schedule.waited - stop.waiting_rate * start
    return CostBreakdown(
        added_travel_seconds=added_travel,
        added_distance_metres=replay.distance - schedule.distance,
        lateness_seconds=max(0, start - stop.deadline) if stop.deadline is not None else 0,
        added_overtime_seconds=overtime,
        workload_seconds=round(workload),
        travel=params.travel_weight * added_travel,
        lateness=replay.lateness - schedule.lateness,
        overtime=params.overtime_weight * overtime,
        workload=params.workload_balance_weight * max(0.0, workload - average_work),
        preference=preference,
        waiting_seconds=waiting_seconds,
        waiting=waiting_rate * waiting_seconds + max(0.0, knock_on),
        delay_cost=max(0.0, knock_on),
    )


def customer_wait(problem: DispatchProblem, order: OrderRequest, start: int) -> int:
    """Seconds from now, or from the opening of the customer's window, to the visit's start."""
    ready = problem.now if order.earliest_start is None else max(problem.now, order.earliest_start)
    return max(0, start - ready)


def rank(
    problem: DispatchProblem,
    order: OrderRequest,
    *,
    params: DispatchParams,
    keep: int,
    clock: Clock,
    explain: bool = True,
) -> Ranking:
    """The `keep` cheapest technicians for `order` (exact), everyone rejected and why; without
    `explain`, only the `keep` cheapest (`rejected` and `outranked` left empty), found alike."""
    plain = make_stop(order, params=params)
    if plain.window_start > plain.window_end:
        return _window_clash(problem, order, clock, explain=explain)
    window = Window(plain.window_start, plain.window_end)
    team = team_index(problem, params=params)
    cleared, ruled_out = screen(problem, team, order, window=window)
    if order.parts:  # the van stock left, and so a warehouse detour, is checked per technician
        cleared = np.zeros(len(problem.technicians), dtype=np.bool_)
    rejected: list[Rejection] = []
    eligible = cleared.copy()
    detours: dict[int, Stop] = {}
    unsure = ~cleared if explain else ~cleared & ~ruled_out  # the filters say why, or decide
    for index in np.flatnonzero(unsure).tolist():
        tech = problem.technicians[index]
        verdict = check_technician(problem, order, tech, window=window, clock=clock)
        if not verdict.eligible:
            rejected.append(Rejection(tech.id, verdict.reasons))
            continue
        eligible[index] = True
        if verdict.shortfall:
            restock = Restock(verdict.warehouses[0], dict(verdict.shortfall))
            detours[index] = replace(plain, restock=restock)
    preferences = [
        preference_bonus(order, problem.technicians[i], params=params) if eligible[i] else 0.0
        for i in range(len(problem.technicians))
    ]
    bounds = _bounds(problem, team, plain, eligible, detours, preferences, params=params, window=window)
    return _search(
        problem,
        team,
        order,
        plain,
        bounds,
        eligible=eligible,
        detours=detours,
        preferences=preferences,
        rejected=rejected,
        params=params,
        keep=keep,
        window=window,
        clock=clock,
        explain=explain,
    )


def _bounds(
    problem: DispatchProblem,
    team: TeamIndex,
    plain: Stop,
    eligible: npt.NDArray[np.bool_],
    detours: Mapping[int, Stop],
    preferences: list[float],
    *,
    params: DispatchParams,
    window: Window,
) -> Bounds:
    """Lower bounds of every open position of every eligible technician: (bound, tech, position),
    sorted by bound, then technician id, then position."""
    matrix = problem.matrix
    durations = matrix.durations
    low = matrix.factor_range[0]
    here = plain.location
    rows = team.positions(np.flatnonzero(eligible).tolist())
    techs = rows.tech
    picked = rows.time <= window.end
    pickups = np.zeros(len(techs), dtype=np.int64)
    via = durations[rows.prev, here].copy()
    for index, stop in detours.items():
        if stop.restock is None:
            continue
        depot = problem.warehouses[stop.restock.warehouse]
        mine = techs == index
        via[mine] = durations[rows.prev[mine], depot.location] + durations[depot.location, here]
        pickups[mine] = depot.pickup_seconds
    reach = np.floor(via * low).astype(np.int64) if matrix.congestion is not None else via
    start = np.maximum(rows.time + reach + pickups, window.start)
    picked &= start <= window.end
    in_time = set(techs[picked].tolist())
    # forward time slack: reaching the next stop (or home) this much later must still be possible
    onward = durations[here, rows.next]
    if matrix.congestion is not None:
        onward = np.floor(onward * low).astype(np.int64)
    picked &= start + plain.duration + onward - rows.arrival <= rows.slack
    free_added = (via + durations[here, rows.next] - durations[rows.prev, rows.next]).astype(np.float64)
    added = free_added
    if matrix.congestion is not None:
        profile = matrix.congestion
        factors = np.array(profile.factors)
        slot = ((profile.epoch_second_of_day + rows.time) % SECONDS_PER_DAY) // profile.bin_seconds
        added = np.rint(free_added * factors[slot])
    workload = team.work[techs] + plain.duration + free_added  # exact: service + free-flow travel
    bound = params.travel_weight * added + np.array(preferences)[techs]
    bound += params.workload_balance_weight * np.maximum(0.0, workload - team.average_work)
    if plain.deadline is not None:
        bound += np.maximum(0, start - plain.deadline) * plain.lateness_rate
    ready = problem.now if plain.window_start <= problem.now else plain.window_start
    bound += np.maximum(0, start - ready) * plain.waiting_rate
    chosen = np.flatnonzero(picked)
    # the visits pushed later: their customers' extra wait (the exact cost counts it only when positive);
    # the margin keeps float rounding from lifting the bound above a knock-on it equals
    reached = (start + plain.duration + onward + rows.lead)[chosen]
    bound[chosen] += np.maximum(0.0, rows.knock_on(chosen, reached) - 1e-6)
    ordered = chosen[np.lexsort((rows.index[chosen], team.id_rank[techs[chosen]], bound[chosen]))]
    return Bounds(bound[ordered].tolist(), techs[ordered].tolist(), rows.index[ordered].tolist(), in_time)


def _search(
    problem: DispatchProblem,
    team: TeamIndex,
    order: OrderRequest,
    plain: Stop,
    bounds: Bounds,
    *,
    eligible: npt.NDArray[np.bool_],
    detours: Mapping[int, Stop],
    preferences: list[float],
    rejected: list[Rejection],
    params: DispatchParams,
    keep: int,
    window: Window,
    clock: Clock,
    explain: bool,
) -> Ranking:
    """Replay positions in bound order until the `keep` best technicians are known exactly."""
    values, techs, positions = bounds.values, bounds.technicians, bounds.positions
    pending = Counter(techs)
    best: dict[int, Candidate] = {}
    failures: dict[int, Failure] = {}
    threshold = math.inf
    average = team.average_work
    for bound, index, position in zip(values, techs, positions, strict=True):
        if len(best) >= keep and bound > threshold:
            break
        pending[index] -= 1
        current = best.get(index)
        if current is not None and bound >= current.cost.total:
            continue
        stop = detours.get(index, plain)
        outcome = place(
            problem,
            team.schedule(index),
            stop,
            position,
            params=params,
            work_before=float(team.work[index]),
            average_work=average,
            preference=preferences[index],
        )
        if isinstance(outcome, Failure):
            failures.setdefault(index, outcome)
            continue
        if current is None or outcome.sort_key() < current.sort_key():
            best[index] = outcome
            if len(best) >= keep:
                threshold = heapq.nsmallest(keep, (c.cost.total for c in best.values()))[-1]
    ordered = sorted(best.values(), key=Candidate.sort_key)
    if not explain:
        return Ranking(order, window, tuple(ordered[:keep]), (), ())
    outranked = [c.technician_id for c in ordered[keep:]]
    for index in np.flatnonzero(eligible).tolist():
        tech = problem.technicians[index]
        if index in best:
            continue
        if pending[index] > 0:
            outranked.append(tech.id)
        elif index in failures:
            failure = failures[index]
            detail = {"failure": failure.kind, "order_id": failure.order_id, "second": failure.second}
            rejected.append(_no_position(tech, _failure_text(failure, order, clock), detail, clock))
        elif index in bounds.in_time:
            why = "wherever it goes, a later visit would miss its window, promise or locked time, or the day its end"
            rejected.append(_no_position(tech, why, {"failure": "slack"}, clock))
        else:
            why = f"it cannot reach the site before the window closes at {clock(window.end)}"
            rejected.append(_no_position(tech, why, {"failure": "window"}, clock))
    return Ranking(order, window, tuple(ordered[:keep]), tuple(rejected), tuple(sorted(outranked)))


def _window_clash(problem: DispatchProblem, order: OrderRequest, clock: Clock, *, explain: bool) -> Ranking:
    why = "the order's time window and its promised window do not overlap"
    techs = problem.technicians if explain else ()
    rejected = tuple(_no_position(t, why, {"failure": "window"}, clock) for t in techs)
    start = order.start_window.start
    return Ranking(order, Window(start, start), (), rejected, ())


def _failure_text(failure: Failure, order: OrderRequest, clock: Clock) -> str:
    if failure.kind == "break":
        return f"a break could not be taken inside its window (at {clock(failure.second)})"
    if failure.kind == "shift_end":
        return f"the day would end at {clock(failure.second)}, past shift end and allowed overtime"
    if failure.order_id == order.id:
        return f"the earliest start would be {clock(failure.second)}, after the order's window"
    if failure.kind == "time_lock":
        return f"visit {failure.order_id} would start at {clock(failure.second)}, after the time a dispatcher locked"
    if failure.kind == "promise":
        return f"visit {failure.order_id} would start at {clock(failure.second)}, outside its promised window"
    return f"visit {failure.order_id} would start at {clock(failure.second)}, after its window"


def _no_position(tech: TechnicianState, why: str, detail: Mapping[str, object], clock: Clock) -> Rejection:
    code = ReasonCode.NO_FEASIBLE_POSITION
    data = {"why": why, **detail}
    return Rejection(tech.id, (Reason(code, tech.id, sentence_for(code, tech.label, data, clock), data),))
