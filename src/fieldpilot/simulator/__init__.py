"""The service-day simulator: replays a city's day under a dispatch policy through the real service
layer and engine, on a virtual clock, from a seed.

    scenario = load_scenario("metro")                      # scenario: TOML settings
    day = generate_day(scenario, seed=3)                   # generate: fleet, requests, disruptions
    result = simulate_day(day, "dynamic")                  # run: world + technicians + policy
    comparison = run_comparison(scenario, POLICIES, seeds=range(10))   # compare, metrics, report

Modules: kernel (event queue and clock), scenario, generate, replay (CSV history), world (the
company set up through the bus, true roads), store (the in-memory unit of work with light
copies), technicians, policies, replans (re-plans on simulated time), timeline (what happened),
metrics, compare, report, hindsight (the offline bound), live (`run_live` for the demo).

May import: bootstrap, config, service, engine, sla, workflow, domain, routing, storage; never
api, web or cli.
"""

from __future__ import annotations

from fieldpilot.simulator.compare import Comparison, run_comparison
from fieldpilot.simulator.generate import Day, generate_day
from fieldpilot.simulator.live import live_clock, run_live
from fieldpilot.simulator.policies import BOUNDS, POLICIES
from fieldpilot.simulator.replay import load_replay
from fieldpilot.simulator.report import write_report
from fieldpilot.simulator.run import DayResult, SimulationOptions, simulate_day
from fieldpilot.simulator.scenario import Scenario, load_scenario, shipped_scenarios

__all__ = [
    "BOUNDS",
    "POLICIES",
    "Comparison",
    "Day",
    "DayResult",
    "Scenario",
    "SimulationOptions",
    "generate_day",
    "live_clock",
    "load_replay",
    "load_scenario",
    "run_comparison",
    "run_live",
    "shipped_scenarios",
    "simulate_day",
    "write_report",
]
