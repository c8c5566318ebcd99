"""Metrics of a simulated day, and their summary over seeds with 95% confidence intervals.

`day_metrics(result)` turns one DayResult into a flat mapping of named numbers (minutes, km,
shares in 0..1), rounded so that the same seed gives the same JSON bytes. Wall-clock decision
latencies are kept apart (`latency_metrics`): they describe the machine, not the day.
`summarise(per_seed)` gives, per metric, the mean over seeds and the half-width of its 95%
interval (Student's t); `compare` the relative change of each policy against each baseline.

May import: numpy, the standard library and simulator modules.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fieldpilot.simulator.run import DayResult
    from fieldpilot.simulator.timeline import OrderTimeline

DIGITS = 4
PERCENTILES = (50, 90, 95)
# Two-sided 95% Student t quantiles by degrees of freedom (1..30); beyond, the normal 1.96.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042)  # fmt: skip
LOWER_IS_BETTER = ("wait", "response", "lateness", "km", "overtime", "eta_mae", "eta_changes",
                   "reassign", "unserved", "balance_cv", "latency")  # fmt: skip


def _r(value: float) -> float:
    return round(float(value), DIGITS)


def _distribution(name: str, values: Sequence[float], out: dict[str, float]) -> None:
    if not values:
        return
    array = np.asarray(values, dtype=float)
    out[f"{name}_mean"] = _r(array.mean())
    for p in PERCENTILES:
        out[f"{name}_p{p}"] = _r(np.percentile(array, p))


def arrival_deadline_minutes(result: DayResult, priority: int) -> int:
    return result.sla_arrival[priority - 1]


def day_metrics(result: DayResult) -> dict[str, float]:
    orders = result.orders
    out: dict[str, float] = {"orders": len(orders)}
    outcomes = Counter(o.outcome for o in orders)
    for outcome in ("served", "cancelled", "no_show", "unserved"):
        out[f"{outcome}_orders"] = outcomes.get(outcome, 0)
    arrived = [o for o in orders if o.arrived is not None]
    _distribution("wait_min", [(o.arrived - o.created) / 60 for o in arrived if o.arrived is not None], out)
    assigned = [o for o in orders if o.first_assigned is not None]
    _distribution(
        "response_min", [(o.first_assigned - o.created) / 60 for o in assigned if o.first_assigned is not None], out
    )
    _sla(result, orders, out)
    _eta(arrived, out)
    _fleet(result, out)
    with_promise = [o for o in orders if o.promises]
    if with_promise:
        out["eta_changes_per_order"] = _r(sum(len(o.promises) - 1 for o in with_promise) / len(with_promise))
    out["reassignments_per_order"] = _r(sum(o.reassignments for o in orders) / len(orders) if orders else 0.0)
    out["solver_failures"] = result.solver_failures
    return out


def _due(order: OrderTimeline, result: DayResult) -> int:
    return order.created + arrival_deadline_minutes(result, order.priority) * 60


def _sla(result: DayResult, orders: Sequence[OrderTimeline], out: dict[str, float]) -> None:
    """Arrival within the SLA target; cancelled before anyone arrived is neither met nor missed."""
    late: list[float] = []
    for priority in range(1, 5):
        judged = [o for o in orders if o.priority == priority and not (o.outcome == "cancelled" and o.arrived is None)]
        met = sum(1 for o in judged if o.arrived is not None and o.arrived <= _due(o, result))
        out[f"sla_attainment_p{priority}"] = _r(met / len(judged)) if judged else 1.0
        late += [max(0, (o.arrived if o.arrived is not None else result.end) - _due(o, result)) / 60 for o in judged]
    out["lateness_min_mean"] = _r(sum(late) / len(late)) if late else 0.0
    missed = [x for x in late if x > 0]
    out["lateness_min_mean_when_late"] = _r(sum(missed) / len(missed)) if missed else 0.0


def _eta(arrived: Sequence[OrderTimeline], out: dict[str, float]) -> None:
    errors, inside, first_inside, judged = [], 0, 0, 0
    for order in arrived:
        assert order.arrived is not None
        window = order.promise_at(order.arrived)
        if window is None:
            continue
        judged += 1
        start, end = window
        errors.append(abs(order.arrived - (start + end) / 2) / 60)
        inside += start <= order.arrived <= end
        first = order.promises[0]
        first_inside += first[1] <= order.arrived <= first[2]
    if not judged:  # nothing was promised (the offline bound): no ETA metrics rather than zeros
        return
    out["eta_mae_min"] = _r(sum(errors) / len(errors))
    out["eta_within_window"] = _r(inside / judged)
    out["eta_within_first_window"] = _r(first_inside / judged)


def _fleet(result: DayResult, out: dict[str, float]) -> None:
    logs = result.technicians
    out["km_total"] = _r(sum(t.km for t in logs))
    served = out.get("served_orders", 0) or 1
    out["km_per_job"] = _r(out["km_total"] / served)
    working = [t for t in logs if t.sick_at is None]
    shifts = [t.shift_end - t.shift_start for t in working]
    busy = [t.busy_seconds() for t in working]
    out["utilization"] = _r(sum(busy) / sum(shifts)) if sum(shifts) else 0.0
    overtime = [max(0, max((a[1] for a in t.activities), default=0) - t.shift_end) / 60 for t in working]
    out["overtime_min_mean"] = _r(sum(overtime) / len(overtime)) if overtime else 0.0
    jobs = [t.jobs for t in working]
    out["jobs_per_technician"] = _r(sum(jobs) / len(jobs)) if jobs else 0.0
    # Technicians on duty who did (almost) nothing: the other face of an uneven workload.
    out["technicians_idle_share"] = _r(sum(1 for j in jobs if j <= 1) / len(jobs)) if jobs else 0.0
    work = np.asarray([t.busy_seconds(frozenset({"work"})) for t in working], dtype=float)
    out["workload_balance_cv"] = _r(work.std() / work.mean()) if len(work) and work.mean() > 0 else 0.0


def latency_metrics(result: DayResult) -> dict[str, float]:
    out: dict[str, float] = {}
    for kind, values in sorted(result.latencies.items()):
        out[f"{kind}_decisions"] = len(values)
        _distribution(f"{kind}_latency_ms", [v * 1000 for v in values], out)
    return out


def t95(n: int) -> float:
    if n < 2:
        return math.nan
    return _T95[n - 2] if n - 1 <= len(_T95) else 1.96


def summarise(per_seed: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Per metric: mean over seeds, 95% CI half-width, and n (metrics missing in a seed are skipped)."""
    names = sorted({k for m in per_seed for k in m})
    summary: dict[str, dict[str, float]] = {}
    for name in names:
        values = np.asarray([m[name] for m in per_seed if name in m], dtype=float)
        n = len(values)
        half = t95(n) * values.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
        summary[name] = {"mean": _r(values.mean()), "ci95": _r(half) if math.isfinite(half) else 0.0, "n": n}
    return summary


def relative_change(value: float, baseline: float) -> float | None:
    if baseline == 0:
        return None
    return _r((value - baseline) / abs(baseline))


def compare(summaries: Mapping[str, Mapping[str, Mapping[str, float]]], baselines: Iterable[str]) -> dict[str, Any]:
    """policy -> baseline -> metric -> relative change of the mean (negative: lower than baseline)."""
    out: dict[str, Any] = {}
    for baseline in baselines:
        if baseline not in summaries:
            continue
        for policy, summary in summaries.items():
            if policy == baseline:
                continue
            changes = {
                name: relative_change(stats["mean"], summaries[baseline][name]["mean"])
                for name, stats in summary.items()
                if name in summaries[baseline]
            }
            out.setdefault(policy, {})[baseline] = changes
    return out


def better_when_lower(name: str) -> bool:
    return any(name.startswith(prefix) or f"_{prefix}" in name for prefix in LOWER_IS_BETTER)
