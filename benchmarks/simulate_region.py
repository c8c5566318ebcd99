"""How long a simulated day takes: one scenario, one seed, one policy, with CPU and wall time.

    .venv/bin/python benchmarks/simulate_region.py --scenario region-scale --policy dynamic
    .venv/bin/python benchmarks/simulate_region.py --scenario metro --policy dynamic --until 12

Prints progress every simulated hour (CPU seconds so far), then the day's headline metrics and
decision latencies. Run it pinned to one core (`taskset -c 1 ...`) for comparable numbers.
"""

from __future__ import annotations

import argparse
import json
import time

from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.metrics import day_metrics, latency_metrics
from fieldpilot.simulator.run import Simulation
from fieldpilot.simulator.scenario import load_scenario

HEADLINE = ("orders", "served_orders", "unserved_orders", "wait_min_mean", "wait_min_p90", "sla_attainment_p1",
            "sla_attainment_p2", "eta_within_window", "km_total", "utilization", "solver_failures")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="region-scale")
    parser.add_argument("--policy", default="dynamic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--until", type=float, default=None, help="stop at this hour of the day")
    args = parser.parse_args()
    cpu, wall = time.process_time(), time.perf_counter()
    day = generate_day(load_scenario(args.scenario), args.seed)
    simulation = Simulation(day, args.policy)
    print(f"set-up: {len(day.technicians)} technicians, {len(day.arrivals)} orders, "
          f"cpu {time.process_time() - cpu:.1f}s", flush=True)  # fmt: skip
    end = day.end if args.until is None else int(args.until * 3600)
    for hour in range(1, end // 3600 + 1):
        simulation.kernel.run(until=min(end, hour * 3600))
        if hour >= 6:
            print(f"{hour:02d}:00 cpu {time.process_time() - cpu:7.1f}s wall {time.perf_counter() - wall:7.1f}s "
                  f"events {simulation.kernel.processed}", flush=True)  # fmt: skip
    simulation.kernel.run(until=end)
    result = simulation.result()
    metrics = day_metrics(result)
    print(json.dumps({k: metrics.get(k) for k in HEADLINE}, indent=1))
    print(json.dumps(latency_metrics(result), indent=1))
    print(f"total: cpu {time.process_time() - cpu:.1f}s, wall {time.perf_counter() - wall:.1f}s")


if __name__ == "__main__":
    main()
