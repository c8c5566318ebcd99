"""Write a comparison to a folder: metrics as JSON, every order's timeline as CSV, PNG charts.

    metrics.json   scenario, seeds, per-seed metrics, summary (mean, 95% CI), relative changes;
                   byte-identical for the same scenario, seeds and code
    timing.json    wall-clock decision latencies (machine-dependent, hence apart)
    orders.csv     one row per order, policy and seed: its timeline in seconds and minutes
    wait_distribution.png, sla_by_hour.png, gantt_<policy>_seed<k>.png   (needs matplotlib)

May import: simulator modules, numpy and the standard library (matplotlib lazily, Agg backend).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from fieldpilot.simulator.compare import Comparison
from fieldpilot.simulator.run import DayResult

CSV_FIELDS = (
    "policy", "seed", "order_id", "priority", "service_type", "territory", "urgent", "created",
    "first_assigned", "departed", "arrived", "completed", "cancelled", "outcome", "reason",
    "technician", "wait_min", "response_min", "promised_start", "promised_end", "promises",
    "reassignments", "km",
)  # fmt: skip
COLOURS = {"drive": "#7aa6c2", "work": "#2f6b3b", "break": "#d9b44a", "no_show": "#b5533c"}


def metrics_document(comparison: Comparison) -> dict[str, Any]:
    return {
        "scenario": comparison.scenario,
        "policies": comparison.policies,
        "seeds": comparison.seeds,
        "summary": comparison.summary(),
        "relative_change": comparison.changes(),
        "per_seed": {p: {str(s): comparison.metrics[p][s] for s in comparison.seeds} for p in comparison.policies},
    }


def metrics_json(comparison: Comparison) -> bytes:
    return (json.dumps(metrics_document(comparison), indent=2, sort_keys=True) + "\n").encode()


def write_report(comparison: Comparison, folder: Path, *, charts: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "metrics.json", folder / "timing.json", folder / "orders.csv"]
    written[0].write_bytes(metrics_json(comparison))
    timing = {"summary": comparison.latency_summary(), "per_seed": {
        p: {str(s): comparison.latency[p][s] for s in comparison.seeds} for p in comparison.policies
    }}  # fmt: skip
    written[1].write_text(json.dumps(timing, indent=2, sort_keys=True) + "\n")
    write_orders_csv(comparison, written[2])
    if charts:
        written += write_charts(comparison, folder)
    return written


def order_rows(result: DayResult) -> list[dict[str, Any]]:
    rows = []
    for o in result.orders:
        last = o.promise_at(o.arrived) if o.arrived is not None else (o.promises[-1][1:] if o.promises else None)
        rows.append(
            {
                "policy": result.policy,
                "seed": result.seed,
                "order_id": o.order_id,
                "priority": o.priority,
                "service_type": o.service_type,
                "territory": o.territory + 1,
                "urgent": int(o.urgent),
                "created": o.created,
                "first_assigned": o.first_assigned,
                "departed": o.departed,
                "arrived": o.arrived,
                "completed": o.completed,
                "cancelled": o.cancelled,
                "outcome": o.outcome,
                "reason": o.reason,
                "technician": o.technician or "",
                "wait_min": None if o.arrived is None else round((o.arrived - o.created) / 60, 2),
                "response_min": None if o.first_assigned is None else round((o.first_assigned - o.created) / 60, 2),
                "promised_start": None if last is None else last[0],
                "promised_end": None if last is None else last[1],
                "promises": len(o.promises),
                "reassignments": o.reassignments,
                "km": round(o.km, 3),
            }
        )
    return rows


def write_orders_csv(comparison: Comparison, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for policy in comparison.policies:
            for seed in comparison.seeds:
                writer.writerows(order_rows(comparison.results[policy][seed]))


def write_charts(comparison: Comparison, folder: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # charts are optional: the numbers are in the JSON and CSV
        return []
    paths = [folder / "wait_distribution.png", folder / "sla_by_hour.png"]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for policy in comparison.policies:
        waits = [
            (o.arrived - o.created) / 60
            for s in comparison.seeds
            for o in comparison.results[policy][s].orders
            if o.arrived is not None
        ]
        if waits:
            axis.hist(waits, bins=40, histtype="step", linewidth=1.6, label=policy, density=True)
    axis.set(xlabel="customer wait: request to technician arrival (minutes)", ylabel="share of orders",
             title=f"{comparison.scenario}: wait distribution over {len(comparison.seeds)} seed(s)")  # fmt: skip
    axis.legend()
    figure.tight_layout()
    figure.savefig(paths[0], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for policy in comparison.policies:
        hours, shares = _sla_by_hour([comparison.results[policy][s] for s in comparison.seeds])
        axis.plot(hours, shares, marker="o", label=policy)
    axis.set(xlabel="hour the request came in", ylabel="arrival within SLA", ylim=(0, 1.05),
             title=f"{comparison.scenario}: SLA attainment by hour")  # fmt: skip
    axis.legend()
    figure.tight_layout()
    figure.savefig(paths[1], dpi=110)
    plt.close(figure)

    seed = comparison.seeds[0]
    for policy in comparison.policies:
        path = folder / f"gantt_{policy}_seed{seed}.png"
        _gantt(plt, comparison.results[policy][seed], path)
        paths.append(path)
    return paths


def _sla_by_hour(results: list[DayResult]) -> tuple[list[int], list[float]]:
    met: dict[int, list[int]] = {}
    for result in results:
        for o in result.orders:
            if o.outcome == "cancelled" and o.arrived is None:
                continue
            due = o.created + result.sla_arrival[o.priority - 1] * 60
            met.setdefault(o.created // 3600, []).append(int(o.arrived is not None and o.arrived <= due))
    hours = sorted(met)
    return hours, [sum(met[h]) / len(met[h]) for h in hours]


def _gantt(plt: Any, result: DayResult, path: Path) -> None:
    logs = result.technicians
    height = max(3.0, 0.22 * len(logs) + 1.5)
    figure, axis = plt.subplots(figsize=(11, min(height, 60)))
    for row, log in enumerate(logs):
        axis.broken_barh([(log.shift_start / 3600, (log.shift_end - log.shift_start) / 3600)], (row - 0.45, 0.9),
                         facecolors="#eeeeee")  # fmt: skip
        for kind, colour in COLOURS.items():
            spans = [(a / 3600, (b - a) / 3600) for a, b, k, _ in log.activities if k == kind and b > a]
            if spans:
                axis.broken_barh(spans, (row - 0.35, 0.7), facecolors=colour, label=kind if row == 0 else None)
    axis.set_yticks(range(len(logs)), [log.technician_id for log in logs], fontsize=6 if len(logs) > 30 else 8)
    axis.set(xlabel="hour of the day", title=f"{result.scenario} / {result.policy} / seed {result.seed}")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()]
    axis.legend(handles, list(COLOURS), loc="upper right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
