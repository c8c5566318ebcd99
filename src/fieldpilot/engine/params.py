"""Dispatch tunables: cost weights, promise tolerances and offer settings, validated on creation.

`DispatchParams()` gives the defaults; `DispatchParams.from_toml(path)` or `.from_mapping(data)`
load overrides (unknown keys are refused). The shipped defaults live in `default_params.toml`.
Costs are expressed in "travel seconds": a weight of 1.0 on travel means one second of driving
costs 1.

May import: fieldpilot.domain and the standard library.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import CustomerTier

DEFAULT_PARAMS_PATH = Path(__file__).with_name("default_params.toml")

_PRIORITY_KEYS = ("P1", "P2", "P3", "P4")


def _tiers(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class DispatchParams:
    # cost weights, per second unless stated
    travel_weight: float = 1.0
    lateness_weight: float = 2.0  # per second the visit starts after its SLA deadline
    # per second the customer waits from now (or their window's opening) to the visit's start;
    # x priority weight x tier weight, so an idle technician a little further away beats a
    # busy one who would come hours later
    waiting_weight: float = 1.0
    priority_weights: tuple[float, float, float, float] = (8.0, 4.0, 2.0, 1.0)  # P1..P4
    tier_weights: Mapping[str, float] = field(
        default_factory=lambda: _tiers({"standard": 1.0, "priority": 1.5, "vip": 2.0})
    )
    # per second past shift end, within the technician's allowed overtime (a hard limit); priced
    # like a second of driving, so the engine does not leave customers waiting to save overtime
    # the company has already allowed
    overtime_weight: float = 1.0
    workload_balance_weight: float = 0.1  # per second of work above the team's average
    served_customer_bonus: float = 600.0  # cost removed when the technician served the customer
    served_asset_bonus: float = 900.0  # ... or this very asset
    # penalties (integer cost) for leaving an order unplanned, P1..P4; used by batch solvers
    unplanned_penalties: tuple[int, int, int, int] = (2_000_000, 500_000, 150_000, 50_000)
    # promises and stability
    eta_half_width: int = 3600  # ETA window = planned start +- this many seconds
    promise_tolerance: int = 900  # a promised visit may start this far outside its window
    stability_threshold: float = 600.0  # re-plans apply only improvements larger than this cost
    # a re-plan may move promised visits outside their window + tolerance only when the plan's cost
    # improves by more than this for every promise it breaks (the customers get a new ETA)
    promise_break_gain: float = 7200.0
    # orders of priority P1..Pn may be served before their promised window opens (an emergency is
    # welcome early; the customer is sent the earlier window); 0: every promise binds both ways
    early_service_priorities: int = 2
    # a re-plan of a larger fleet works on a neighbourhood of at most this many technicians around
    # what changed (the urgent order, the late technician, the orders at risk), not the whole region
    replan_max_technicians: int = 60
    # parts detours
    warehouse_pickup_seconds: int = 600
    # decision records and offers
    runners_up: int = 5
    offer_size: int = 3
    offer_expiry_seconds: int = 900

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            is_number = isinstance(value, float | int) and not isinstance(value, bool)
            if is_number and (not math.isfinite(value) or value < 0):
                raise InvalidInput(f.name, f"must be a finite number >= 0, got {value!r}")
        for name in ("priority_weights", "unplanned_penalties"):
            values = getattr(self, name)
            if len(values) != 4 or any((not math.isfinite(v)) or v < 0 for v in values):
                raise InvalidInput(name, "needs four finite values >= 0 (P1..P4)")
        missing = {t.value for t in CustomerTier} - set(self.tier_weights)
        if missing:
            raise InvalidInput("tier_weights", f"missing tiers: {', '.join(sorted(missing))}")
        if any((not math.isfinite(v)) or v < 0 for v in self.tier_weights.values()):
            raise InvalidInput("tier_weights", "each weight must be a finite number >= 0")
        object.__setattr__(self, "tier_weights", _tiers(self.tier_weights))
        if self.early_service_priorities > 4:
            raise InvalidInput("early_service_priorities", "must be within 0..4 (P1..Pn, 0 for none)")
        if self.replan_max_technicians < 1:
            raise InvalidInput("replan_max_technicians", "must be at least 1")
        if self.runners_up > 50 or self.offer_size < 1 or self.offer_size > 50:
            raise InvalidInput("offer_size", "runners_up must be <= 50 and offer_size within 1..50")

    def priority_weight(self, priority: int) -> float:
        return self.priority_weights[priority - 1]

    def tier_weight(self, tier: str) -> float:
        return self.tier_weights[str(tier)]

    def lateness_cost_per_second(self, *, priority: int, tier: str) -> float:
        return self.lateness_weight * self.priority_weight(priority) * self.tier_weight(tier)

    def waiting_cost_per_second(self, *, priority: int, tier: str) -> float:
        return self.waiting_weight * self.priority_weight(priority) * self.tier_weight(tier)

    def keeps_promise(self, *, priority: int, start: int, promised_start: int, promised_end: int) -> bool:
        """Whether a visit starting at `start` keeps the promised window (with the tolerance); an
        order of an early-service priority may also come any time earlier."""
        if start > promised_end + self.promise_tolerance:
            return False
        return priority <= self.early_service_priorities or start >= promised_start - self.promise_tolerance

    def unplanned_penalty(self, priority: int) -> int:
        return self.unplanned_penalties[priority - 1]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DispatchParams:
        """Build from plain data, e.g. a parsed TOML document; tables may be nested one level."""
        flat = _flatten(data)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(flat) - known)
        if unknown:
            raise InvalidInput(unknown[0], "is not a dispatch parameter")
        kwargs: dict[str, Any] = {}
        for name, value in flat.items():
            if name in ("priority_weights", "unplanned_penalties"):
                kwargs[name] = _by_priority(name, value)
            elif name == "tier_weights":
                if not isinstance(value, Mapping):
                    raise InvalidInput(name, "must be a table of tier -> weight")
                kwargs[name] = {str(k): float(v) for k, v in value.items()}
            else:
                kwargs[name] = _typed(name, value, default=getattr(cls(), name))
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, path: str | Path) -> DispatchParams:
        with Path(path).open("rb") as handle:
            return cls.from_mapping(tomllib.load(handle))

    @classmethod
    def default(cls) -> DispatchParams:
        return cls.from_toml(DEFAULT_PARAMS_PATH)


def _flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """Section tables ([cost], [promises], ...) are lifted; value tables (tier_weights) are kept."""
    value_tables = {"tier_weights", "priority_weights", "unplanned_penalties"}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and key not in value_tables:
            for inner_key, inner_value in value.items():
                flat[inner_key] = inner_value
        else:
            flat[key] = value
    return flat


def _by_priority(name: str, value: Any) -> tuple[Any, ...]:
    cast = int if name == "unplanned_penalties" else float
    if isinstance(value, Mapping):
        if set(value) != set(_PRIORITY_KEYS):
            raise InvalidInput(name, "needs exactly the keys P1, P2, P3, P4")
        return tuple(cast(value[k]) for k in _PRIORITY_KEYS)
    if isinstance(value, list | tuple) and len(value) == 4:
        return tuple(cast(v) for v in value)
    raise InvalidInput(name, "needs four values, P1..P4")


def _typed(name: str, value: Any, *, default: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(name, f"must be a number, got {value!r}")
    if isinstance(default, int):
        if float(value) != int(value):
            raise InvalidInput(name, f"must be a whole number, got {value!r}")
        return int(value)
    return float(value)
