"""A seeded synthetic region for the batch optimizer: technicians, orders, warehouses, one day.

Technicians live in a square city (``side_m`` metres), work 08:00–17:00 with a 30-minute break between
12:00 and 14:00, hold two or three of five skills at levels 1–3, some tools and a few parts. Orders
need one skill (level 1–2), sometimes a tool or a part, last 20–60 minutes; about a third have a
two-to-four-hour window, a third an SLA deadline, and priorities spread over P1–P4. Travel is the
straight-line distance times a road factor at 36 km/h. The same seed gives the same region.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import (
    BreakWindow,
    DispatchProblem,
    OrderRequest,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
)

HOUR = 3600
EPOCH = datetime(2026, 3, 2, tzinfo=UTC)
SKILLS = ("electrical", "plumbing", "hvac", "gas", "network")
TOOLS = ("ladder", "scope")
PARTS = ("filter", "valve", "fuse")


def a_region(
    *,
    technicians: int,
    orders: int,
    seed: int,
    side_m: float = 30_000.0,
    warehouses: int = 2,
    now: int = 7 * HOUR,
) -> DispatchProblem:
    """A region with no route planned yet."""
    rng = random.Random(seed)
    count = technicians + orders + warehouses
    xy = np.array([(rng.uniform(0, side_m), rng.uniform(0, side_m)) for _ in range(count)])
    metres = np.rint(1.3 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    seconds = np.rint(metres / 10.0)
    techs = tuple(_technician(rng, k, location=k) for k in range(technicians))
    jobs = tuple(_order(rng, k, location=technicians + k, techs=techs) for k in range(orders))
    houses = tuple(
        WarehouseStock(f"W{w}", technicians + orders + w, {p: 1000 for p in PARTS}) for w in range(warehouses)
    )
    return DispatchProblem(
        epoch=EPOCH,
        technicians=techs,
        orders=jobs,
        locations=tuple(Location(52.0 + y / 111_000, 4.0 + x / 68_000) for x, y in xy),
        matrix=TravelMatrix(seconds.astype(np.int64), metres.astype(np.int64)),
        warehouses=houses,
        now=now,
    )


def _technician(rng: random.Random, k: int, *, location: int) -> TechnicianState:
    skills = {s: rng.randint(1, 3) for s in rng.sample(SKILLS, rng.randint(2, 3))}
    return TechnicianState(
        id=f"T{k:03d}",
        start_location=location,
        earliest_start=8 * HOUR,
        end_location=location,
        shift_start=8 * HOUR,
        shift_end=17 * HOUR,
        skills=skills,
        tools=frozenset(t for t in TOOLS if rng.random() < 0.6),
        stock={p: rng.randint(0, 2) for p in PARTS},
        breaks=(BreakWindow(12 * HOUR, 14 * HOUR, 30 * 60),),
    )


def _order(rng: random.Random, k: int, *, location: int, techs: tuple[TechnicianState, ...]) -> OrderRequest:
    tech = rng.choice(techs)  # someone must be able to do it
    skill = rng.choice(sorted(tech.skills))
    start = end = deadline = None
    kind = rng.random()
    if kind < 0.35:
        start = rng.randrange(8 * HOUR, 14 * HOUR, 15 * 60)
        end = start + rng.choice((2, 3, 4)) * HOUR
    elif kind < 0.65:
        deadline = rng.randrange(10 * HOUR, 17 * HOUR, 15 * 60)
    tools = frozenset(t for t in tech.tools if rng.random() < 0.2)
    parts = {rng.choice(PARTS): 1} if rng.random() < 0.3 else {}
    return OrderRequest(
        id=f"O{k:04d}",
        location=location,
        duration=rng.randrange(20, 61, 5) * 60,
        earliest_start=start,
        latest_start=end,
        required_skills={skill: min(tech.skills[skill], rng.randint(1, 2))},
        required_tools=tools,
        parts=parts,
        priority=rng.choice((1, 2, 2, 3, 3, 3, 4, 4)),
        sla_deadline=deadline,
    )


def with_routes(problem: DispatchProblem, routes: dict[str, tuple[str, ...]]) -> DispatchProblem:
    """The region with the given order ids planned on the technicians (starts filled in later)."""
    from fieldpilot.engine.problem import PlannedVisit

    technicians = tuple(
        replace(t, route=tuple(PlannedVisit(o, 0) for o in routes.get(t.id, ()))) for t in problem.technicians
    )
    return replace(problem, technicians=technicians)
