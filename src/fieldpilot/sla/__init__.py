"""fieldpilot.sla: SLA policies, business calendars, pauses, deadlines and breach risk.

Pure: standard library and `fieldpilot.domain` only, no I/O, no clock (`now` is passed in).

    calendar.py  BusinessCalendar: business time between moments, and moments after business time
    policy.py    Milestone, SlaTargets, SlaPolicy, select_policy
    clock.py     compute_sla: the clock computed from an order's SLA log and met milestones
    status.py    SlaStatus, MilestoneStatus and their JSON-ready dicts
"""

from __future__ import annotations

from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.clock import compute_sla, validate_sla_log
from fieldpilot.sla.policy import Milestone, SlaPolicy, SlaTargets, select_policy
from fieldpilot.sla.status import (
    MilestoneState,
    MilestoneStatus,
    SlaState,
    SlaStatus,
    milestone_status_to_dict,
    sla_status_to_dict,
)

__all__ = [
    "BusinessCalendar",
    "Milestone",
    "MilestoneState",
    "MilestoneStatus",
    "SlaPolicy",
    "SlaState",
    "SlaStatus",
    "SlaTargets",
    "compute_sla",
    "milestone_status_to_dict",
    "select_policy",
    "sla_status_to_dict",
    "validate_sla_log",
]
