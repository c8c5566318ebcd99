"""Latency of the real-time insertion: one new order into T technicians' routes of V planned visits.

    python benchmarks/insertion_latency.py                      # 200 x 10 and 1,000 x 10, seed 7
    python benchmarks/insertion_latency.py --technicians 500 --visits 12 --orders 300 --seed 3

A seeded synthetic city (a 40 km square, technicians' days clustered around their homes, 30% of the
visits with a two-hour window, some promised), a time-of-day congestion profile, and random new
orders (skills, windows, SLA deadlines). Reports p50/p99/max of `insert()`:
- warm: the snapshot's route schedules are already cached (the service keeps the snapshot between
  orders and derives the next one with `apply_assignment`, which keeps untouched schedules);
- cold: a fresh snapshot per order, so every route is scheduled first.
Wall-clock and CPU (thread) time are both shown: on a shared machine the CPU time is the fairer one.

Then the same sizes through the service layer (benchmarks/service_dispatch.py): `CreateWorkOrder` with
auto-dispatch through the message bus, handler, unit of work and in-memory store, with the dispatch
snapshot kept warm between orders and the clock moving 20 s between them.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fieldpilot.domain.values import CustomerTier, Location
from fieldpilot.engine.insertion import insert
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import (
    CongestionProfile,
    DispatchProblem,
    OrderRequest,
    PlannedVisit,
    TechnicianState,
    TravelMatrix,
    Window,
)
from fieldpilot.engine.schedule import schedule_route

sys.path.insert(0, str(Path(__file__).resolve().parent))
import service_dispatch

HOUR = 3600
SKILLS = ("boiler", "electric", "hvac", "plumbing", "solar")


def congestion() -> CongestionProfile:
    factors = []
    for k in range(96):
        hour = k / 4
        rush = 1.5 if 7.5 <= hour < 9.5 or 16.5 <= hour < 19 else 1.0
        factors.append(rush)
    return CongestionProfile(tuple(factors))


def build_problem(*, technicians: int, visits: int, new_orders: int, seed: int) -> DispatchProblem:
    rng = random.Random(seed)
    params = DispatchParams()
    homes = [(rng.uniform(0, 40_000), rng.uniform(0, 40_000)) for _ in range(technicians)]
    points: list[tuple[float, float]] = list(homes)
    planned: list[list[int]] = []
    for hx, hy in homes:
        own = []
        for _ in range(visits):
            own.append(len(points))
            points.append((hx + rng.uniform(-6000, 6000), hy + rng.uniform(-6000, 6000)))
        planned.append(own)
    first_new = len(points)
    points += [(rng.uniform(0, 40_000), rng.uniform(0, 40_000)) for _ in range(new_orders)]
    xy = np.array(points)
    metres = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * 1.3
    seconds = metres / (35_000 / 3600)
    matrix = TravelMatrix(seconds.astype(np.int64), metres.astype(np.int64), congestion())
    orders: list[OrderRequest] = []
    techs: list[TechnicianState] = []
    for t, own in enumerate(planned):
        tech = TechnicianState(
            id=f"T-{t:04d}",
            start_location=t,
            earliest_start=8 * HOUR,
            end_location=t,
            shift_start=8 * HOUR,
            shift_end=17 * HOUR,
            max_overtime=HOUR,
            skills={s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)},
        )
        route_orders = []
        for k, place in enumerate(own):
            expected = 8 * HOUR + k * 45 * 60
            windowed = rng.random() < 0.3
            route_orders.append(
                OrderRequest(
                    id=f"P-{t:04d}-{k:02d}",
                    location=place,
                    duration=25 * 60,
                    earliest_start=expected - HOUR if windowed else None,
                    latest_start=expected + HOUR if windowed else None,
                    sla_deadline=expected + 2 * HOUR,
                    priority=rng.randint(1, 4),
                )
            )
        # keep the longest feasible prefix, timed by the engine's own scheduler
        probe = DispatchProblem(
            epoch=datetime(2026, 3, 2, tzinfo=UTC),
            technicians=(tech,),
            orders=tuple(route_orders),
            locations=(Location(0, 0),) * len(points),
            matrix=matrix,
        )
        for keep in range(len(route_orders), -1, -1):
            route = tuple(PlannedVisit(o.id, 0) for o in route_orders[:keep])
            schedule = schedule_route(probe, replace(tech, route=route), params=params)
            if schedule.feasible:
                break
        timed = tuple(
            PlannedVisit(
                v.order_id,
                s,
                promised_window=Window(s - 1800, s + 1800) if rng.random() < 0.2 else None,
            )
            for v, s in zip(route, schedule.starts, strict=True)
        )
        techs.append(replace(tech, route=timed))
        orders += route_orders[: len(route)]
    for n in range(new_orders):
        skill = rng.choice(SKILLS)
        windowed = rng.random() < 0.5
        opens = rng.randint(8, 14) * HOUR
        orders.append(
            OrderRequest(
                id=f"N-{n:04d}",
                location=first_new + n,
                duration=rng.choice((30, 45, 60, 90)) * 60,
                earliest_start=opens if windowed else None,
                latest_start=opens + 3 * HOUR if windowed else None,
                required_skills={skill: rng.randint(1, 4)},
                priority=rng.randint(1, 4),
                customer_tier=rng.choice(list(CustomerTier)),
                sla_deadline=rng.randint(10, 18) * HOUR,
            )
        )
    planned_ids = {v.order_id for t in techs for v in t.route}
    kept = tuple(o for o in orders if o.id in planned_ids or o.id.startswith("N-"))
    return DispatchProblem(
        epoch=datetime(2026, 3, 2, tzinfo=UTC),
        technicians=tuple(techs),
        orders=kept,
        locations=(Location(45.75, 4.85),) * len(points),
        matrix=matrix,
        now=8 * HOUR,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(*, technicians: int, visits: int, orders: int, cold: int, seed: int, freeze_gc: bool) -> None:
    problem = build_problem(technicians=technicians, visits=visits, new_orders=orders, seed=seed)
    if freeze_gc:  # what a long-lived service does after loading a snapshot: no full GC walks over it
        gc.collect()
        gc.freeze()
    params = DispatchParams()
    new_ids = [o.id for o in problem.orders if o.id.startswith("N-")]
    planned = sum(len(t.route) for t in problem.technicians)
    insert(problem, new_ids[0], params=params)  # fills the schedule cache
    warm, warm_cpu, assigned = [], [], 0
    for order_id in new_ids:
        began, began_cpu = time.perf_counter(), time.thread_time()
        decision = insert(problem, order_id, params=params)
        warm.append((time.perf_counter() - began) * 1000)
        warm_cpu.append((time.thread_time() - began_cpu) * 1000)
        assigned += decision.assigned
    cold_times, cold_cpu = [], []
    for order_id in new_ids[:cold]:
        fresh = replace(problem)
        began, began_cpu = time.perf_counter(), time.thread_time()
        insert(fresh, order_id, params=params)
        cold_times.append((time.perf_counter() - began) * 1000)
        cold_cpu.append((time.thread_time() - began_cpu) * 1000)
    print(
        f"{technicians:>5} technicians x {visits} visits ({planned} planned), {len(new_ids)} new orders "
        f"({assigned} assignable)"
    )
    report("warm", warm, warm_cpu)
    if cold_times:
        report("cold", cold_times, cold_cpu)


def report(label: str, wall: list[float], cpu: list[float]) -> None:
    for clock, values in (("wall", wall), ("cpu", cpu)):
        print(
            f"      {label} {clock:<4}  p50 {statistics.median(values):7.2f} ms"
            f"   p99 {percentile(values, 0.99):7.2f} ms   max {max(values):7.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--technicians", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--orders", type=int, default=200, help="new orders inserted, one at a time")
    parser.add_argument("--cold", type=int, default=20, help="orders also timed on a fresh snapshot")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--freeze-gc", action="store_true", help="gc.freeze() after building the snapshot (no full-GC pauses)"
    )
    parser.add_argument("--no-service", action="store_true", help="skip the service path (bus + handler + store)")
    parser.add_argument("--service-only", action="store_true", help="only the service path")
    parser.add_argument("--not-started", action="store_true", help="service path: no technician at work yet")
    parser.add_argument("--fresh", action="store_true", help="service path: a fresh snapshot per order")
    args = parser.parse_args()
    print("engine alone: insert() on a snapshot in memory")
    for count in [] if args.service_only else args.technicians:
        measure(
            technicians=count,
            visits=args.visits,
            orders=args.orders,
            cold=args.cold,
            seed=args.seed,
            freeze_gc=args.freeze_gc,
        )
    if args.no_service:
        return
    print("service path: CreateWorkOrder with auto-dispatch through the bus, handler, unit of work and store")
    for count in args.technicians:
        service_dispatch.measure(
            technicians=count,
            visits=args.visits,
            orders=min(args.orders, 120),
            seed=args.seed,
            fresh=args.fresh,
            on_site=not args.not_started,
            freeze_gc=args.freeze_gc,
        )


if __name__ == "__main__":
    main()
