"""An independent checker for TRSP plans: the rules of the benchmarks README, in double precision.

It shares nothing with the solver but the instance reader: a plan is one list of site ids per
technician (request ids, and 0 for a depot visit), and every rule is re-derived from the instance:

- the route leaves home no earlier than the shift start and is back home by the shift end;
- travel time is the Euclidean distance (speed 1, no rounding); arriving early means waiting, arriving
  after a window closes is a violation; a depot visit has no service time and must fall in the depot's
  window;
- every required skill, always; the required tools and enough parts carried, until the first depot
  visit, after which tools and parts no longer limit the route;
- each request is served at most once, by a known technician; unserved requests are reported.

The objective is the sum over used routes of the minimal route duration (return time minus the shift
start minus the waiting that leaving home later avoids); distance sums every leg.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fieldpilot.benchmarking.trsp import TrspInstance

EPS = 1e-6


@dataclass(frozen=True)
class TrspVerdict:
    feasible: bool
    violations: tuple[str, ...]
    duration: float
    distance: float
    technicians_used: int
    unserved: tuple[int, ...]


@dataclass(frozen=True)
class _RouteOutcome:
    duration: float
    distance: float
    violations: list[str]


def _check_route(instance: TrspInstance, tech_id: int, stops: Sequence[int]) -> _RouteOutcome:
    tech = instance.site(tech_id)
    dist = instance.distances()
    problems: list[str] = []
    carried_parts = list(tech.parts)
    restocked = False
    t = float(tech.tw_start)
    prev = tech_id
    waits_before: list[float] = []  # waiting accumulated before each stop
    slacks: list[float] = []  # how much later each stop could start
    total_wait = 0.0
    distance = 0.0
    for site_id in stops:
        if site_id == tech_id or 1 <= site_id <= len(instance.technicians):
            problems.append(f"technician {tech_id}: visits technician home {site_id}")
            continue
        site = instance.site(site_id)
        leg = float(dist[prev, site_id])
        t += leg
        distance += leg
        if t > site.tw_end + EPS:
            problems.append(f"technician {tech_id}: reaches {site_id} at {t:.3f}, window ends {site.tw_end}")
        wait = max(0.0, site.tw_start - t)
        waits_before.append(total_wait)
        slacks.append(site.tw_end - t)
        total_wait += wait
        t += wait
        if site_id == 0:
            restocked = True
        else:
            if not site.skills <= tech.skills:
                problems.append(f"technician {tech_id}: lacks skills {sorted(site.skills - tech.skills)} for {site_id}")
            if not restocked:
                missing_tools = site.tools - tech.tools
                if missing_tools:
                    problems.append(f"technician {tech_id}: lacks tools {sorted(missing_tools)} for {site_id}")
                for p, need in enumerate(site.parts):
                    carried_parts[p] -= need
                    if carried_parts[p] < 0:
                        problems.append(f"technician {tech_id}: runs out of part {p} at {site_id}")
            t += site.service
        prev = site_id
    leg = float(dist[prev, tech_id])
    t += leg
    distance += leg
    if t > tech.tw_end + EPS:
        problems.append(f"technician {tech_id}: back home at {t:.3f}, shift ends {tech.tw_end}")
    # Leaving later by d is free while d is absorbed by waiting and keeps every stop in its window.
    delay = total_wait
    for waited, slack in zip(waits_before, slacks, strict=True):
        delay = min(delay, waited + max(slack, 0.0))
    return _RouteOutcome(duration=t - tech.tw_start - delay, distance=distance, violations=problems)


def check_trsp_plan(instance: TrspInstance, plan: Mapping[int, Sequence[int]]) -> TrspVerdict:
    """``plan`` maps technician ids (1..CREW COUNT) to the site ids they visit in order."""
    violations: list[str] = []
    served: dict[int, int] = {}
    duration = distance = 0.0
    used = 0
    first_request = 1 + len(instance.technicians)
    last_site = first_request + len(instance.requests) - 1
    for tech_id, stops in plan.items():
        if not 1 <= tech_id < first_request:
            violations.append(f"unknown technician {tech_id}")
            continue
        unknown = [s for s in stops if not 0 <= s <= last_site]
        if unknown:
            violations.append(f"technician {tech_id}: unknown sites {unknown}")
            continue
        if not stops:
            continue
        requests = [s for s in stops if s >= first_request]
        for s in requests:
            if s in served:
                violations.append(f"request {s} served by {served[s]} and {tech_id}")
            served[s] = tech_id
        outcome = _check_route(instance, tech_id, stops)
        violations.extend(outcome.violations)
        duration += outcome.duration
        distance += outcome.distance
        used += 1
    unserved = tuple(r.id for r in instance.requests if r.id not in served)
    return TrspVerdict(
        feasible=not violations,
        violations=tuple(violations),
        duration=duration,
        distance=distance,
        technicians_used=used,
        unserved=unserved,
    )
