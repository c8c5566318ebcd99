"""Re-plan neighbourhoods: the part of a large problem a re-plan works on.

A region of 400 technicians cannot be re-optimised as a whole every minute, and does not need to
be: an urgent order, a technician running late or a cancellation changes the plan around one
place. `neighbourhood` cuts a sub-problem of at most `size` technicians around what changed:

- the technicians named (the late one, the one whose visit was cancelled) come first;
- then, in turns, the technicians nearest to each focus order's site (nearest by travel time from
  where they are or will be today: their current position and every visit of their route);
- the orders are every visit of the chosen technicians' routes, and the unplanned orders whose
  nearest technician (from where they are now) was chosen, or that were named.

What is at risk joins a focus of fewer than four places (and is the whole focus of a periodic
re-plan): unplanned orders and visits planned after their SLA deadline or outside their promised
window, most urgent first. With nothing named and nothing at risk, the focus is a technician taken
in turn by the clock, so that periodic re-plans sweep the region.

The sub-problem shares the snapshot's travel matrix; technicians outside it keep their routes as
they are, and parts they fetch from a warehouse stay reserved (the sub-problem's warehouse stock is
what they leave). A plan of the sub-problem therefore never double-books anyone outside it.

May import: fieldpilot.engine (not solvers), numpy and the standard library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, TechnicianState, WarehouseStock

MAX_AUTOMATIC_FOCUS = 4  # at-risk orders a periodic re-plan centres on
ROTATION_SECONDS = 60  # the periodic sweep moves to the next technician every this many seconds


def neighbourhood(
    problem: DispatchProblem,
    *,
    size: int,
    orders: Iterable[str] = (),
    technicians: Iterable[str] = (),
    params: DispatchParams | None = None,
) -> DispatchProblem:
    """The sub-problem of at most `size` technicians around the focus (see the module text); the
    problem itself when it has no more technicians than that."""
    if len(problem.technicians) <= size:
        return problem
    params = params or DispatchParams()
    by_id = problem.orders_by_id
    named_orders = [o for o in dict.fromkeys(orders) if o in by_id]
    named_techs = [t for t in dict.fromkeys(technicians) if t in problem.technicians_by_id]
    if len(named_orders) + len(named_techs) < MAX_AUTOMATIC_FOCUS and len(named_techs) < size:
        risky = [o for o in at_risk(problem, params=params) if o not in named_orders]
        named_orders += risky[: MAX_AUTOMATIC_FOCUS - len(named_orders) - len(named_techs)]
        if not named_orders and not named_techs:
            ranked = sorted(problem.technicians, key=lambda t: t.id)
            named_techs = [ranked[(problem.now // ROTATION_SECONDS) % len(ranked)].id]
    chosen = _choose(problem, [by_id[o].location for o in named_orders], named_techs, size=size)
    return _sub_problem(problem, chosen, named_orders=frozenset(named_orders))


def at_risk(problem: DispatchProblem, *, params: DispatchParams) -> list[str]:
    """Unplanned orders, then visits planned after their SLA deadline or outside their promised
    window; by priority, then deadline, then id."""
    planned_at = {v.order_id: v for t in problem.technicians for v in t.route}
    risky: list[tuple[int, int, int, str]] = []
    for order in problem.orders:
        visit = planned_at.get(order.id)
        deadline = order.sla_deadline if order.sla_deadline is not None else 10**12
        if visit is None:
            risky.append((0, order.priority, deadline, order.id))
            continue
        if visit.pin is not None and visit.pin.fixes_start:
            continue
        promise = visit.promised_window or order.promised_window
        late = order.sla_deadline is not None and visit.planned_start > order.sla_deadline
        broken = promise is not None and not params.keeps_promise(
            priority=order.priority, start=visit.planned_start, promised_start=promise.start, promised_end=promise.end
        )
        if late or broken:
            risky.append((1, order.priority, deadline, order.id))
    return [key for *_, key in sorted(risky)]


def _anchors(problem: DispatchProblem) -> tuple[np.ndarray, np.ndarray]:
    """Every place each technician is or will be today: (technician index, location) pairs."""
    owner: list[int] = []
    places: list[int] = []
    orders = problem.orders_by_id
    for index, tech in enumerate(problem.technicians):
        owner.append(index)
        places.append(tech.start_location)
        for visit in tech.route:
            owner.append(index)
            places.append(orders[visit.order_id].location)
    return np.array(owner, dtype=np.intp), np.array(places, dtype=np.intp)


def _choose(problem: DispatchProblem, focus: Sequence[int], named: Sequence[str], *, size: int) -> list[str]:
    """The named technicians, then the nearest to each focus place in turns, up to `size`."""
    chosen = list(named[:size])
    taken = set(chosen)
    if not focus or len(chosen) >= size:
        return chosen
    technicians = problem.technicians
    owner, places = _anchors(problem)
    durations = np.asarray(problem.matrix.durations)
    rank = {t.id: i for i, t in enumerate(sorted(technicians, key=lambda t: t.id))}
    id_rank = np.array([rank[t.id] for t in technicians])
    off_shift = ~np.array([t.on_shift for t in technicians])
    queues: list[list[int]] = []
    for place in focus:
        reach = durations[places, place]  # from each anchor to the focus
        nearest = np.full(len(technicians), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(nearest, owner, reach)
        nearest[off_shift] = np.iinfo(np.int64).max  # last: they only join when nobody else is left
        queues.append(np.lexsort((id_rank, nearest)).tolist())
    cursor = [0] * len(queues)
    while len(chosen) < min(size, len(technicians)):
        for q, queue in enumerate(queues):
            while cursor[q] < len(queue) and technicians[queue[cursor[q]]].id in taken:
                cursor[q] += 1
            if cursor[q] < len(queue):
                tech_id = technicians[queue[cursor[q]]].id
                chosen.append(tech_id)
                taken.add(tech_id)
                if len(chosen) >= size:
                    break
        if all(cursor[q] >= len(queue) for q, queue in enumerate(queues)):
            break
    return chosen


def _sub_problem(problem: DispatchProblem, chosen: Sequence[str], *, named_orders: frozenset[str]) -> DispatchProblem:
    keep = set(chosen)
    technicians = tuple(t for t in problem.technicians if t.id in keep)
    outside = [t for t in problem.technicians if t.id not in keep]
    unplanned = problem.unplanned_orders()
    wanted = {v.order_id for t in technicians for v in t.route}
    wanted |= {o.id for o in _nearest_in(problem, unplanned, technicians, outside)}
    wanted |= {o for o in named_orders if o not in problem.assigned_technician}
    orders = tuple(o for o in problem.orders if o.id in wanted)
    return DispatchProblem.assembled(
        epoch=problem.epoch,
        technicians=technicians,
        orders=orders,
        locations=problem.locations,
        matrix=problem.matrix,
        warehouses=_left_for(problem.warehouses, outside),
        now=problem.now,
    )


def _nearest_in(
    problem: DispatchProblem,
    unplanned: Sequence[OrderRequest],
    inside: Sequence[TechnicianState],
    outside: Sequence[TechnicianState],
) -> list[OrderRequest]:
    """The unplanned orders whose nearest technician (from where they are now) is inside."""
    if not unplanned or not inside:
        return []
    if not outside:
        return list(unplanned)
    durations = np.asarray(problem.matrix.durations)
    sites = np.array([o.location for o in unplanned], dtype=np.intp)
    near_in = durations[np.ix_(np.array([t.start_location for t in inside], dtype=np.intp), sites)].min(axis=0)
    near_out = durations[np.ix_(np.array([t.start_location for t in outside], dtype=np.intp), sites)].min(axis=0)
    return [o for o, a, b in zip(unplanned, near_in.tolist(), near_out.tolist(), strict=True) if a <= b]


def _left_for(warehouses: tuple[WarehouseStock, ...], outside: Sequence[TechnicianState]) -> tuple[WarehouseStock, ...]:
    """Warehouse stock less what the technicians outside the neighbourhood will pick up."""
    taken: dict[int, Counter[str]] = {}
    for tech in outside:
        for visit in tech.route:
            if visit.restock is not None:
                taken.setdefault(visit.restock.warehouse, Counter()).update(dict(visit.restock.parts))
    if not taken:
        return warehouses
    left = list(warehouses)
    for index, parts in taken.items():
        stock = dict(left[index].stock)
        for code, count in parts.items():
            stock[code] = max(0, stock.get(code, 0) - count)
        left[index] = WarehouseStock(left[index].id, left[index].location, stock, left[index].pickup_seconds)
    return tuple(left)
