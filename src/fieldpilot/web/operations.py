"""The dispatcher's queue and alerts: what needs a person now.

Queue: unassigned and at-risk orders, soonest SLA deadline first. Alerts: SLA at risk or
breached, technicians late for their next visit, a backlog above its threshold. Acknowledgements
(who, when) are stored through the unit of work and survive a restart.

May import: bootstrap, service, domain, the standard library.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fieldpilot.bootstrap import Services
from fieldpilot.domain.work_order import OPEN_STATUSES, OrderStatus
from fieldpilot.service import queries
from fieldpilot.service.unit_of_work import OrderQuery

MAX_ROWS = 100_000
AT_RISK = frozenset({"at_risk", "breached"})
FAR_FUTURE = "9999-12-31T00:00:00+00:00"
WAITING_FOR_TRAVEL = frozenset({OrderStatus.ASSIGNED.value, OrderStatus.ACCEPTED.value})


def _open_views(services: Services, now: datetime) -> list[dict[str, Any]]:
    page = queries.list_orders(services.uow_factory, OrderQuery(statuses=OPEN_STATUSES, limit=MAX_ROWS, now=now))
    return list(page.items)


def _deadline(view: dict[str, Any]) -> str:
    sla = view.get("sla") or {}
    return str(sla.get("next_deadline") or view.get("sla_next_deadline") or FAR_FUTURE)


def _state(view: dict[str, Any]) -> str:
    sla = view.get("sla") or {}
    return str(sla.get("state") or view.get("sla_state") or "ok")


def queue(services: Services, *, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for view in _open_views(services, now):
        unassigned = view["technician_id"] is None
        if not unassigned and _state(view) not in AT_RISK:
            continue
        deadline = _deadline(view)
        rows.append(
            {
                "id": view["id"],
                "priority": view["priority"],
                "status": view["status"],
                "service_type": view["service_type"],
                "customer_id": view["customer_id"],
                "technician_id": view["technician_id"],
                "sla_state": _state(view),
                "deadline": None if deadline == FAR_FUTURE else deadline,
                "version": view["version"],
                "unassigned": unassigned,
            }
        )
    rows.sort(key=lambda r: (r["deadline"] or FAR_FUTURE, r["priority"], r["id"]))
    return rows


def alerts(services: Services, *, now: datetime, backlog_threshold: int) -> list[dict[str, Any]]:
    late_after = timedelta(minutes=services.settings.late_threshold_minutes)
    found: list[dict[str, Any]] = []
    views = _open_views(services, now)
    for view in views:
        state = _state(view)
        if state in AT_RISK:
            found.append(
                {
                    "id": f"sla:{view['id']}:{state}",
                    "kind": "sla_breached" if state == "breached" else "sla_at_risk",
                    "severity": "critical" if state == "breached" else "warning",
                    "order_id": view["id"],
                    "text": f"{view['id']} ({view['priority']}) SLA {state.replace('_', ' ')}",
                    "action": "dispatch" if view["technician_id"] is None else "open",
                }
            )
        start = view.get("planned_start")
        if view["status"] in WAITING_FOR_TRAVEL and start and datetime.fromisoformat(start) + late_after < now:
            minutes = int((now - datetime.fromisoformat(start)).total_seconds() // 60)
            found.append(
                {
                    "id": f"late:{view['id']}:{view['technician_id']}",
                    "kind": "technician_late",
                    "severity": "warning",
                    "order_id": view["id"],
                    "technician_id": view["technician_id"],
                    "text": f"{view['technician_id']} is {minutes} min late for {view['id']}",
                    "action": "open",
                }
            )
    backlog = sum(1 for v in views if v["status"] == OrderStatus.NEW.value)
    if backlog > backlog_threshold:
        found.append(
            {
                "id": f"backlog:{now.date().isoformat()}",
                "kind": "backlog",
                "severity": "warning",
                "order_id": None,
                "text": f"{backlog} unassigned orders (threshold {backlog_threshold})",
                "action": "queue",
            }
        )
    with services.uow_factory() as uow:
        acks = uow.alert_acks.get_many([a["id"] for a in found])
    for alert in found:
        ack = acks.get(alert["id"])
        alert["acknowledged_by"] = None if ack is None else ack.name
        alert["acknowledged_at"] = None if ack is None else ack.at.isoformat()
    rank = {"critical": 0, "warning": 1}
    found.sort(key=lambda a: (a["acknowledged_by"] is not None, rank[a["severity"]], a["id"]))
    return found
