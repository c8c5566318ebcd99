"""Keep an order's SLA clock: start it, switch policy when priority or type changes, refresh state.

The clock itself is computed by `fieldpilot.sla` from the order's log; this module writes the
log entries and caches the results on the order (state, next deadline, the moment it becomes at
risk) so that lists can filter and sort on them in the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fieldpilot.domain.events import SlaStateChanged
from fieldpilot.domain.values import CustomerTier
from fieldpilot.domain.work_order import SlaLogEntry, SlaLogKind, WorkOrder
from fieldpilot.sla.clock import compute_sla
from fieldpilot.sla.policy import SlaPolicy, select_policy
from fieldpilot.sla.status import SlaStatus, sla_status_to_dict


def start_sla(order: WorkOrder, *, policies: Sequence[SlaPolicy], tier: CustomerTier, at: datetime) -> None:
    policy = select_policy(policies, priority=order.priority, tier=tier, service_type=order.service_type)
    if policy is None:
        return
    order.sla_policy_id = policy.id
    order.sla_log.append(SlaLogEntry(at=at, kind=SlaLogKind.START, policy_id=policy.id))


def switch_policy_if_needed(
    order: WorkOrder, *, policies: Sequence[SlaPolicy], tier: CustomerTier, at: datetime
) -> None:
    """After a priority or service-type change: bind the policy that now applies, keeping the
    business time already paid (the clock carries its elapsed time across the switch)."""
    policy = select_policy(policies, priority=order.priority, tier=tier, service_type=order.service_type)
    if policy is None or policy.id == order.sla_policy_id:
        return
    if not order.sla_log:
        start_sla(order, policies=[policy], tier=tier, at=at)
        return
    order.sla_policy_id = policy.id
    order.sla_log.append(SlaLogEntry(at=at, kind=SlaLogKind.POLICY, policy_id=policy.id))


def sla_status(order: WorkOrder, *, policies: Sequence[SlaPolicy], now: datetime) -> SlaStatus | None:
    if not order.sla_log:
        return None
    by_id = {p.id: p for p in policies}
    at = max(now, order.sla_log[-1].at)
    return compute_sla(order.sla_log, policies=by_id, milestones=_met(order, at), now=at)


def _met(order: WorkOrder, now: datetime) -> dict[str, datetime]:
    return {k: v for k, v in order.milestones.items() if v <= now}


def refresh_sla(order: WorkOrder, *, policies: Sequence[SlaPolicy], now: datetime) -> dict[str, Any] | None:
    """Recompute the clock, cache its results on the order, record SlaStateChanged on a change;
    return the JSON-ready status."""
    status = sla_status(order, policies=policies, now=now)
    before = order.sla_state
    if status is None:
        order.sla_state, order.sla_next_deadline, order.sla_risk_at, order.sla_paused = (
            "ok",
            None,
            None,
            False,
        )
        return None
    order.sla_state = status.state.value
    order.sla_next_deadline = status.next_deadline
    order.sla_paused = status.paused
    order.sla_risk_at = _risk_at(status, policies=policies, now=now)
    if order.sla_state != before:
        order.events.append(SlaStateChanged(order.id, before, order.sla_state, order.sla_next_deadline))
    return sla_status_to_dict(status)


def _risk_at(status: SlaStatus, *, policies: Sequence[SlaPolicy], now: datetime) -> datetime | None:
    """The moment the next unmet milestone turns at-risk, if the clock keeps running."""
    if status.paused:
        return None
    policy = next((p for p in policies if p.id == status.policy_id), None)
    if policy is None:
        return None
    moments: list[datetime] = []
    for milestone in status.milestones:
        if milestone.met_at is not None:
            continue
        threshold = math.ceil(policy.at_risk_fraction * milestone.target_seconds)
        left = threshold - milestone.elapsed_seconds
        moments.append(now if left <= 0 else policy.calendar.add_business_seconds(now, left))
    return min(moments, default=None)
