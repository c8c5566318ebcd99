"""Pillac et al. (2013) Technician Routing and Scheduling Problem: reader, best-known values, routing model.

Row 0 is the depot (an unlimited store of tools and parts), the next CREW COUNT rows are technicians
(home, shift, skills, tools, parts carried), the rest are requests (window for the start of service,
service time, skills, tools and parts needed). The routing model encodes the rules of the benchmarks
README as follows:

- one fleet per technician, starting and ending at its home (a depot with the shift as window);
- skills: a request may only be served by technicians holding all its skills (per-fleet job sets, which
  the PyVRP backend turns into routing profiles that make other requests unreachable);
- parts: one load dimension per part type with a large capacity and an initial load of
  ``capacity - carried``; the real depot is a reload depot, where the initial load is dropped and the
  van becomes unlimited for the rest of its route;
- tools: one load dimension per tool; a request needing the tool loads one unit; a technician without
  the tool starts with the dimension full, so such requests can only follow a depot visit;
- objective: route duration (PyVRP minimises the start delay, i.e. the minimal route duration).
Travel times are scaled by ``SCALE`` and rounded up so an integer-feasible plan is feasible in exact
arithmetic; objectives are recomputed in double precision by ``trsp_check``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fieldpilot.engine.solvers.routing import Depot, Fleet, Job, RoutingModel

SCALE = 1000
#: Capacity of a load dimension: more than any route can ever need.
UNLIMITED = 100_000

_ROW = re.compile(
    r"^\s*(\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\[([^\]]*)\]\s*\[([^\]]*)\]\s*\[([^\]]*)\]"
)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.replace(" ", "").split(",") if v)


@dataclass(frozen=True)
class TrspSite:
    """A depot, technician or request row of the file."""

    id: int
    x: float
    y: float
    tw_start: int
    tw_end: int
    service: int
    skills: frozenset[int]
    tools: frozenset[int]
    parts: tuple[int, ...]


@dataclass(frozen=True)
class TrspInstance:
    name: str
    depot: TrspSite
    technicians: tuple[TrspSite, ...]
    requests: tuple[TrspSite, ...]
    num_tools: int
    num_part_types: int

    def site(self, site_id: int) -> TrspSite:
        if site_id == 0:
            return self.depot
        k = len(self.technicians)
        return self.technicians[site_id - 1] if site_id <= k else self.requests[site_id - k - 1]

    def all_sites(self) -> tuple[TrspSite, ...]:
        return (self.depot, *self.technicians, *self.requests)

    def distances(self) -> NDArray[np.float64]:
        xy = np.array([(s.x, s.y) for s in self.all_sites()], dtype=np.float64)
        diff = xy[:, None, :] - xy[None, :, :]
        return np.asarray(np.sqrt((diff**2).sum(axis=2)), dtype=np.float64)


def read_trsp(path: Path) -> TrspInstance:
    text = path.read_text()
    lines = text.splitlines()
    crew = tools = parts = 0
    for i, line in enumerate(lines):
        if line.strip().upper().startswith("CREW COUNT"):
            crew, _skills, tools, parts = (int(v) for v in lines[i + 1].split()[:4])
    sites = []
    for line in lines:
        m = _ROW.match(line)
        if m:
            g = m.groups()
            sites.append(
                TrspSite(
                    id=int(g[0]),
                    x=float(g[1]),
                    y=float(g[2]),
                    tw_start=int(g[3]),
                    tw_end=int(g[4]),
                    service=int(g[5]),
                    skills=frozenset(_ints(g[6])),
                    tools=frozenset(_ints(g[7])),
                    parts=_ints(g[8]),
                )
            )
    if not sites or [s.id for s in sites] != list(range(len(sites))):
        raise ValueError(f"{path}: rows must be numbered 0, 1, 2, ...")
    num_parts = max(parts, *(len(s.parts) for s in sites))
    padded = tuple(TrspSite(**{**s.__dict__, "parts": s.parts + (0,) * (num_parts - len(s.parts))}) for s in sites)
    return TrspInstance(
        name=path.name.removesuffix(".txt"),
        depot=padded[0],
        technicians=padded[1 : 1 + crew],
        requests=padded[1 + crew :],
        num_tools=tools,
        num_part_types=num_parts,
    )


@dataclass(frozen=True)
class TrspBestKnown:
    duration: float
    distance: float


def read_trsp_bks(path: Path) -> dict[str, TrspBestKnown]:
    with path.open(newline="") as fh:
        return {
            row["instance"]: TrspBestKnown(float(row["duration_bks"]), float(row["distance_bks"]))
            for row in csv.DictReader(fh)
        }


def qualified(technician: TrspSite, request: TrspSite) -> bool:
    return request.skills <= technician.skills


def limiting_items(instance: TrspInstance) -> tuple[list[int], list[int]]:
    """Tools and part types that can limit some qualified technician; only those need a load dimension.

    A tool limits when a request needs it and a technician qualified for the request lacks it; a part
    type limits when a technician carries less of it than the requests they are qualified for need.
    """
    tools: set[int] = set()
    parts: set[int] = set()
    for tech in instance.technicians:
        able = [r for r in instance.requests if qualified(tech, r)]
        for req in able:
            tools |= req.tools - tech.tools
        for p in range(instance.num_part_types):
            if sum(r.parts[p] for r in able) > tech.parts[p]:
                parts.add(p)
    return sorted(tools), sorted(parts)


def to_routing_model(instance: TrspInstance, *, scale: int = SCALE, optional: bool = True) -> RoutingModel:
    """Locations are the file's rows; depot 0 is the store, depots 1..K the technicians' homes.

    With ``optional`` a request may be left unserved at a prize of twice the longest shift (more than
    serving it can ever cost), so the search always holds a feasible plan and reports what it leaves.
    """
    exact = instance.distances()
    duration = np.ceil(exact * scale - 1e-9).astype(np.int64)
    distance = np.rint(exact * scale).astype(np.int64)
    tool_ids, part_ids = limiting_items(instance)
    dims = len(part_ids) + len(tool_ids)
    depots = [Depot(0, instance.depot.tw_start * scale, instance.depot.tw_end * scale, name="depot")]
    fleets = []
    longest_shift = max(t.tw_end - t.tw_start for t in instance.technicians)
    for k, tech in enumerate(instance.technicians, start=1):
        depots.append(Depot(tech.id, tech.tw_start * scale, tech.tw_end * scale, name=f"home-{tech.id}"))
        carried = tuple(UNLIMITED - tech.parts[p] for p in part_ids)
        tools = tuple(0 if t in tech.tools else UNLIMITED for t in tool_ids)
        fleets.append(
            Fleet(
                start_depot=k,
                end_depot=k,
                tw_early=tech.tw_start * scale,
                tw_late=tech.tw_end * scale,
                capacity=(UNLIMITED,) * dims,
                initial_load=carried + tools,
                reload_depots=(0,) if dims else (),
                unit_distance_cost=0,
                unit_duration_cost=1,
                name=f"tech-{tech.id}",
            )
        )
    jobs = tuple(
        Job(
            location=req.id,
            service=req.service * scale,
            tw_early=req.tw_start * scale,
            tw_late=req.tw_end * scale,
            demand=tuple(req.parts[p] for p in part_ids) + tuple(1 if t in req.tools else 0 for t in tool_ids),
            fleets=frozenset(f for f, tech in enumerate(instance.technicians) if qualified(tech, req)),
            required=not optional,
            prize=2 * longest_shift * scale if optional else 0,
            name=str(req.id),
        )
        for req in instance.requests
    )
    xy = np.array([(s.x, s.y) for s in instance.all_sites()], dtype=np.float64)
    return RoutingModel(
        distance=distance,
        duration=duration,
        depots=tuple(depots),
        jobs=jobs,
        fleets=tuple(fleets),
        num_load_dimensions=dims,
        coordinates=xy,
    )
