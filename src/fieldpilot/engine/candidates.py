"""Ranking technicians for one order: hard filters, then a best-first search over route positions.

For every technician who passes the hard filters, each position in their route gets a cheap lower
bound of the insertion cost (free-flow travel, the order's own lateness, workload). Positions are
then replayed exactly (`RouteScheduler.replay`, from the cached state at that position) in order of
their bound, until the `keep` cheapest technicians are known exactly and no remaining bound can beat
them. The result is the exact top `keep` without replaying every position of every route. With a
time-of-day congestion profile, the travel part of a bound is scaled by the factor at the departure
time, which is an estimate rather than a strict bound: a near-tie may then rank differently from an
exhaustive search (feasibility is always decided by the exact replay).

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,schedule,filters,explain,reasons},
the standard library.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from fieldpilot.engine.explain import Candidate, CostBreakdown, Rejection
from fieldpilot.engine.filters import check_technician
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, Restock, TechnicianState, Window
from fieldpilot.engine.reasons import Clock, Reason, ReasonCode, sentence_for
from fieldpilot.engine.schedule import Failure, Replay, RouteSchedule, Stop, cached_schedule, make_stop


@dataclass(frozen=True, slots=True)
class Ranking:
    order: OrderRequest
    window: Window  # the order's allowed start window, promise included
    ranked: tuple[Candidate, ...]  # best first, one per technician, at most `keep`
    rejected: tuple[Rejection, ...]
    outranked: tuple[str, ...]


def team_average_work(problem: DispatchProblem, *, params: DispatchParams) -> float:
    """Mean work (service + travel seconds) of the technicians on shift."""
    key = ("team_average_work",)
    found = problem.memo.get(key)
    if isinstance(found, tuple) and found[0] == params:
        average: float = found[1]
        return average
    works = [cached_schedule(problem, t, params=params).work for t in problem.technicians if t.on_shift]
    average = sum(works) / len(works) if works else 0.0
    problem.memo[key] = (params, average)
    return average


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
        schedule, replay, stop, start=start, params=params, average_work=average_work, preference=preference
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
    average_work: float,
    preference: float,
) -> CostBreakdown:
    """What a replayed route with `stop` added costs over the cached one, by component."""
    added_travel = replay.travel - schedule.travel
    overtime = max(0, replay.home_arrival - schedule.tech.shift_end) - schedule.overtime
    work = schedule.work + stop.duration + added_travel
    return CostBreakdown(
        added_travel_seconds=added_travel,
        added_distance_metres=replay.distance - schedule.distance,
        lateness_seconds=max(0, start - stop.deadline) if stop.deadline is not None else 0,
        added_overtime_seconds=overtime,
        workload_seconds=work,
        travel=params.travel_weight * added_travel,
        lateness=replay.lateness - schedule.lateness,
        overtime=params.overtime_weight * overtime,
        workload=params.workload_balance_weight * max(0.0, work - average_work),
        preference=preference,
    )


def rank(
    problem: DispatchProblem, order: OrderRequest, *, params: DispatchParams, keep: int, clock: Clock
) -> Ranking:
    """The `keep` cheapest technicians for `order` (exact), everyone rejected and why."""
    plain = make_stop(order, params=params)
    if plain.window_start > plain.window_end:
        return _window_clash(problem, order, clock)
    window = Window(plain.window_start, plain.window_end)
    average = team_average_work(problem, params=params)
    matrix = problem.matrix
    low = matrix.factor_range[0]
    factor_at = matrix.congestion.factor_at if matrix.congestion is not None else None
    rows = matrix.free_flow
    here = order.location
    rate, deadline = plain.lateness_rate, plain.deadline
    rejected: list[Rejection] = []
    bounds: list[tuple[float, str, int, int]] = []
    contexts: dict[int, tuple[RouteSchedule, Stop, float]] = {}
    pending: dict[int, int] = {}
    for index, tech in enumerate(problem.technicians):
        schedule = cached_schedule(problem, tech, params=params)
        verdict = check_technician(problem, order, tech, schedule=schedule, window=window, clock=clock)
        if not verdict.eligible:
            rejected.append(Rejection(tech.id, verdict.reasons))
            continue
        stop, pickup, depot = plain, 0, -1
        if verdict.shortfall:
            stop = replace(plain, restock=Restock(verdict.warehouses[0], dict(verdict.shortfall)))
            warehouse = problem.warehouses[verdict.warehouses[0]]
            pickup, depot = warehouse.pickup_seconds, warehouse.location
        preference = preference_bonus(order, tech, params=params)
        base = schedule.work + order.duration - average
        count = 0
        stops = schedule.stops
        n = len(stops)
        for position in range(schedule.first_free, n + 1):
            cursor = schedule.cursors[position]
            if cursor.time > window.end:
                break
            prev = cursor.location
            via = rows[prev, here] if depot < 0 else rows[prev, depot] + rows[depot, here]
            if position < n:
                following = stops[position]
                nxt = following.location
                if following.restock is not None:
                    nxt = problem.warehouses[following.restock.warehouse].location
            else:
                nxt = tech.end_location
            start = max(cursor.time + int(via * low) + pickup, window.start)
            if start > window.end:
                continue
            added = via + rows[here, nxt] - rows[prev, nxt]
            if factor_at is not None:
                added = round(added * factor_at(cursor.time))
            bound = params.travel_weight * added + preference
            bound += params.workload_balance_weight * max(0.0, base + added)
            if deadline is not None and start > deadline:
                bound += (start - deadline) * rate
            bounds.append((bound, tech.id, position, index))
            count += 1
        if count:
            contexts[index] = (schedule, stop, preference)
            pending[index] = count
        else:
            why = f"it cannot reach the site before the window closes at {clock(window.end)}"
            rejected.append(_no_position(tech, why, {"failure": "window"}, clock))
    heapq.heapify(bounds)
    best: dict[int, Candidate] = {}
    failures: dict[int, Failure] = {}
    threshold = math.inf
    while bounds:
        bound, _, position, index = bounds[0]
        if len(best) >= keep and bound > threshold:
            break
        heapq.heappop(bounds)
        pending[index] -= 1
        current = best.get(index)
        if current is not None and bound >= current.cost.total:
            continue
        schedule, stop, preference = contexts[index]
        outcome = place(
            problem, schedule, stop, position, params=params, average_work=average, preference=preference
        )
        if isinstance(outcome, Failure):
            failures.setdefault(index, outcome)
            continue
        if current is None or outcome.sort_key() < current.sort_key():
            best[index] = outcome
            if len(best) >= keep:
                threshold = heapq.nsmallest(keep, (c.cost.total for c in best.values()))[-1]
    ordered = sorted(best.values(), key=Candidate.sort_key)
    outranked = [c.technician_id for c in ordered[keep:]]
    for index, (schedule, _, _) in contexts.items():
        if index in best:
            continue
        if pending[index] > 0:
            outranked.append(schedule.tech.id)
        else:
            failure = failures[index]
            detail = {"failure": failure.kind, "order_id": failure.order_id, "second": failure.second}
            rejected.append(_no_position(schedule.tech, _failure_text(failure, order, clock), detail, clock))
    return Ranking(order, window, tuple(ordered[:keep]), tuple(rejected), tuple(sorted(outranked)))


def _window_clash(problem: DispatchProblem, order: OrderRequest, clock: Clock) -> Ranking:
    why = "the order's time window and its promised window do not overlap"
    rejected = tuple(_no_position(t, why, {"failure": "window"}, clock) for t in problem.technicians)
    start = order.start_window.start
    return Ranking(order, Window(start, start), (), rejected, ())


def _failure_text(failure: Failure, order: OrderRequest, clock: Clock) -> str:
    if failure.kind == "break":
        return f"a break could not be taken inside its window (at {clock(failure.second)})"
    if failure.kind == "shift_end":
        return f"the day would end at {clock(failure.second)}, past shift end and allowed overtime"
    if failure.order_id == order.id:
        return f"the earliest start would be {clock(failure.second)}, after the order's window"
    if failure.kind == "promise":
        return f"visit {failure.order_id} would start at {clock(failure.second)}, outside its promised window"
    return f"visit {failure.order_id} would start at {clock(failure.second)}, after its window"


def _no_position(tech: TechnicianState, why: str, detail: Mapping[str, object], clock: Clock) -> Rejection:
    code = ReasonCode.NO_FEASIBLE_POSITION
    data = {"why": why, **detail}
    return Rejection(tech.id, (Reason(code, tech.id, sentence_for(code, tech.label, data, clock), data),))
