"""Read models: plain JSON-ready dicts of domain objects, shared by API responses and replays."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.workflow import allowed_actions


def plain(value: Any) -> Any:
    """Domain values as JSON-ready data (dataclasses as dicts, sets sorted, enums by value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        # init=False fields are derived caches (e.g. a calendar's ZoneInfo), not data.
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if f.init and f.name != "events"}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def resource_view(obj: Any) -> dict[str, Any]:
    view = plain(obj)
    assert isinstance(view, dict)
    view.pop("password_hash", None)
    view.pop("secret_hash", None)
    return view


def order_view(order: WorkOrder, *, sla: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dispatcher's view of an order: everything but the history, plus what can happen next."""
    view = plain(order)
    assert isinstance(view, dict)
    view.pop("history", None)
    view.pop("sla_log", None)
    view["priority"] = f"P{int(order.priority)}"
    view["locked"] = order.locked  # kept for clients of the boolean lock (before lock kinds)
    view["allowed_actions"] = allowed_actions(order.status)
    view["sla"] = sla
    return view


def history_view(order: WorkOrder) -> list[dict[str, Any]]:
    result = plain(order.history)
    assert isinstance(result, list)
    return result


def tracking_view(order: WorkOrder, *, technician_first_name: str | None) -> dict[str, Any]:
    """What the customer's tracking link may show, and nothing else."""
    eta = order.eta_window
    return {
        "status": order.status.value,
        "eta_window": None if eta is None else {"start": eta.start.isoformat(), "end": eta.end.isoformat()},
        "technician_first_name": technician_first_name,
        "can_rate": order.status.value in ("completed", "closed") and order.rating is None,
        "rating": order.rating,
    }
