"""The service-day simulator: replays a city's day under a dispatch policy through the real service
layer and engine, on a virtual clock, from a seed.

    scenario -> generate_day(scenario, seed) -> simulate_day(day, policy) -> DayResult -> metrics

May import: bootstrap, config, service, engine, sla, workflow, domain, routing, storage; never
api, web or cli.
"""

from __future__ import annotations
