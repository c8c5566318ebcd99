"""The SLA clock, computed (never mutated) from an order's SLA log and met milestones.

Rules:
- Business time accrues only inside the current policy's calendar and only while the clock
  runs. An order on hold with reason r stops the clock iff the current policy pauses for r; a
  policy change during a hold re-evaluates that.
- Time already accrued is kept across policy changes; only the targets and calendar change.
- A milestone is breached as soon as its elapsed business time reaches its target; its deadline
  is that moment (assuming no further pause or policy change), so one met exactly at its
  deadline is met late. While paused short of its target it has no deadline, only
  `remaining_seconds`; once breached the deadline stays the (past) moment the target was
  reached under the current target. A paused clock never breaches.
- State follows the current policy: an upgrade can breach at once, a downgrade can un-breach.
- Log entries and milestones at the same instant: the entries take effect first.
- A met milestone is judged, and its numbers frozen, at the moment it was met, against the
  policy in force then. The clock stops when the resolution is met.

Standard library and `fieldpilot.domain` only; no I/O.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.values import check_aware
from fieldpilot.domain.work_order import SlaLogEntry, SlaLogKind
from fieldpilot.sla.calendar import US, from_us, to_us
from fieldpilot.sla.policy import Milestone, SlaPolicy
from fieldpilot.sla.status import MilestoneState, MilestoneStatus, SlaState, SlaStatus

_MILESTONE_KEYS = frozenset(m.value for m in Milestone)


def _pauses(policy: SlaPolicy, hold_reason: str | None) -> bool:
    return hold_reason is not None and policy.pauses_for(hold_reason)


@dataclass(frozen=True, slots=True)
class _Span:
    """[start, end) in µs during which neither the policy nor the hold changes."""

    start: int
    end: int
    policy: SlaPolicy
    hold_reason: str | None
    accrued_before: int
    accrued_end: int

    @property
    def running(self) -> bool:
        return not _pauses(self.policy, self.hold_reason)

    def accrued_at(self, instant: int) -> int:
        if not self.running or instant <= self.start:
            return self.accrued_before
        return self.accrued_before + self.policy.calendar.business_us(self.start, instant)


class _Timeline:
    def __init__(self, spans: list[_Span]) -> None:
        self.spans = spans
        self._starts = [span.start for span in spans]

    def at(self, instant: int) -> _Span:
        """The span in force at `instant`, after every log entry at that instant."""
        return self.spans[max(0, bisect_right(self._starts, instant) - 1)]

    def reached(self, amount: int) -> int:
        """The first instant at which `amount` µs had accrued (it must have, by the end)."""
        for span in self.spans:
            if span.accrued_end >= amount:
                return span.policy.calendar.add_business_us(span.start, amount - span.accrued_before)
        raise AssertionError("amount was never reached")  # pragma: no cover - callers check first


def _policy(policies: Mapping[str, SlaPolicy], policy_id: str | None, *, kind: SlaLogKind) -> SlaPolicy:
    if not policy_id:
        raise InvalidInput("sla_log", f"a {kind.value} entry needs a policy_id")
    policy = policies.get(policy_id)
    if policy is None:
        raise NotFound("sla policy", policy_id)
    return policy


def validate_sla_log(log: Sequence[SlaLogEntry], *, policies: Mapping[str, SlaPolicy]) -> None:
    """Raise InvalidInput (or NotFound for an unknown policy) unless the log is well formed.

    Well formed: starts with the only START, entries in time order, PAUSE only while running,
    RESUME only while on hold, START and POLICY name a known policy.
    """
    if not log or log[0].kind is not SlaLogKind.START:
        raise InvalidInput("sla_log", "must begin with a start entry")
    on_hold = False
    previous: datetime | None = None
    for index, entry in enumerate(log):
        check_aware(entry.at, field="sla_log")
        if previous is not None and entry.at < previous:
            raise InvalidInput("sla_log", f"entry at {entry.at.isoformat()} is out of time order")
        previous = entry.at
        if entry.kind is SlaLogKind.START and index > 0:
            raise InvalidInput("sla_log", "the clock can start only once")
        if entry.kind in (SlaLogKind.START, SlaLogKind.POLICY):
            _policy(policies, entry.policy_id, kind=entry.kind)
        elif entry.kind is SlaLogKind.PAUSE:
            if on_hold:
                raise InvalidInput("sla_log", "pause while already on hold (resume first)")
            on_hold = True
        elif entry.kind is SlaLogKind.RESUME:
            if not on_hold:
                raise InvalidInput("sla_log", "resume without a pause")
            on_hold = False


def _build_timeline(log: Sequence[SlaLogEntry], *, policies: Mapping[str, SlaPolicy], end: int) -> _Timeline:
    spans: list[_Span] = []
    policy = _policy(policies, log[0].policy_id, kind=SlaLogKind.START)
    hold: str | None = None
    accrued = 0
    index = 0
    while index < len(log):
        start = to_us(log[index].at)
        while index < len(log) and to_us(log[index].at) == start:
            entry = log[index]
            if entry.kind in (SlaLogKind.START, SlaLogKind.POLICY):
                policy = _policy(policies, entry.policy_id, kind=entry.kind)
            elif entry.kind is SlaLogKind.PAUSE:
                hold = entry.reason
            else:
                hold = None
            index += 1
        stop = to_us(log[index].at) if index < len(log) else end
        paid = 0 if _pauses(policy, hold) else policy.calendar.business_us(start, stop)
        spans.append(_Span(start, stop, policy, hold, accrued, accrued + paid))
        accrued += paid
    return _Timeline(spans)


def _evaluate(
    milestone: Milestone, timeline: _Timeline, *, instant: int, met_at: datetime | None
) -> MilestoneStatus | None:
    span = timeline.at(instant)
    minutes = span.policy.targets.minutes(milestone)
    if minutes is None:
        return None
    target = minutes * 60 * US
    accrued = span.accrued_at(instant)
    elapsed_seconds = accrued // US
    deadline: int | None = None
    if accrued >= target:
        state = MilestoneState.BREACHED
        deadline = timeline.reached(target)
    else:
        at_risk = elapsed_seconds >= span.policy.at_risk_fraction * minutes * 60
        state = MilestoneState.AT_RISK if at_risk else MilestoneState.OK
        if span.running:
            deadline = span.policy.calendar.add_business_us(instant, target - accrued)
    if met_at is not None:
        state = MilestoneState.MET_LATE if state is MilestoneState.BREACHED else MilestoneState.MET
    return MilestoneStatus(
        milestone=milestone,
        target_seconds=minutes * 60,
        elapsed_seconds=elapsed_seconds,
        remaining_seconds=-(-max(0, target - accrued) // US),
        deadline=None if deadline is None else from_us(deadline),
        state=state,
        met_at=met_at,
    )


def _checked_milestones(milestones: Mapping[str, datetime], *, start: datetime) -> dict[Milestone, datetime]:
    checked: dict[Milestone, datetime] = {}
    for key, met_at in milestones.items():
        if key not in _MILESTONE_KEYS:
            raise InvalidInput("milestones", f"{key!r} is not a milestone")
        check_aware(met_at, field="milestones")
        if met_at < start:
            raise InvalidInput("milestones", f"{key} was met before the SLA clock started")
        checked[Milestone(key)] = met_at
    return checked


def compute_sla(
    log: Sequence[SlaLogEntry],
    *,
    policies: Mapping[str, SlaPolicy],
    milestones: Mapping[str, datetime],
    now: datetime,
) -> SlaStatus:
    """The SLA status at `now` of an order with this log and these met milestones."""
    validate_sla_log(log, policies=policies)
    check_aware(now, field="now")
    if now < log[-1].at:
        raise InvalidInput("now", "is before the last SLA log entry")
    met = _checked_milestones(milestones, start=log[0].at)
    if any(met_at > now for met_at in met.values()):
        raise InvalidInput("milestones", "a milestone cannot be met after now")
    stop = to_us(now)
    if Milestone.RESOLUTION in met:
        stop = min(stop, to_us(met[Milestone.RESOLUTION]))
    timeline = _build_timeline(log, policies=policies, end=max(stop, to_us(log[-1].at)))
    statuses: list[MilestoneStatus] = []
    for milestone in Milestone:
        met_at = met.get(milestone)
        instant = stop if met_at is None else min(stop, to_us(met_at))
        status = _evaluate(milestone, timeline, instant=instant, met_at=met_at)
        if status is not None:
            statuses.append(status)
    unmet_deadlines = [s.deadline for s in statuses if s.met_at is None and s.deadline is not None]
    current = timeline.at(stop)
    return SlaStatus(
        policy_id=current.policy.id,
        state=max((s.state.order_state for s in statuses), key=lambda s: s.severity, default=SlaState.OK),
        paused=not current.running,
        hold_reason=current.hold_reason,
        elapsed_seconds=current.accrued_at(stop) // US,
        next_deadline=min(unmet_deadlines, default=None),
        milestones=tuple(statuses),
        computed_at=now,
    )
