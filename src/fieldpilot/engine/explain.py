"""Decision records: what the engine chose, what it cost, who lost and why, and what would unblock it.

A `DecisionRecord` is stored by the service layer and served by the API as `to_dict()` (plain JSON:
seconds relative to the epoch plus ISO datetimes, reason codes as strings, a sentence for people).

May import: fieldpilot.domain, fieldpilot.engine.{problem,reasons} and the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldpilot.engine.problem import Restock, Window
from fieldpilot.engine.reasons import Clock, Reason, ReasonCode, minutes


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """The cost an insertion adds, by component (in cost units, travel seconds by default)."""

    added_travel_seconds: int
    added_distance_metres: int
    lateness_seconds: int  # how late the new visit starts against its SLA deadline
    added_overtime_seconds: int
    workload_seconds: int  # the technician's work (service + free-flow travel) after the insertion
    travel: float
    lateness: float  # includes knock-on lateness of visits pushed later
    overtime: float
    workload: float
    preference: float  # <= 0: a bonus for a technician who served the customer or asset before
    waiting_seconds: int = 0  # how long the customer waits for this visit to start
    waiting: float = 0.0  # this customer's wait plus the extra wait of the visits pushed later
    delay_cost: float = 0.0  # the part of `waiting` due to visits pushed later

    @property
    def total(self) -> float:
        return self.travel + self.lateness + self.overtime + self.workload + self.preference + self.waiting

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": round(self.total, 3),
            "travel": round(self.travel, 3),
            "lateness": round(self.lateness, 3),
            "overtime": round(self.overtime, 3),
            "workload": round(self.workload, 3),
            "preference": round(self.preference, 3),
            "waiting": round(self.waiting, 3),
            "waiting_seconds": self.waiting_seconds,
            "delay_cost": round(self.delay_cost, 3),
            "added_travel_seconds": self.added_travel_seconds,
            "added_distance_metres": self.added_distance_metres,
            "lateness_seconds": self.lateness_seconds,
            "added_overtime_seconds": self.added_overtime_seconds,
            "workload_seconds": self.workload_seconds,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feasible placement of the order in one technician's route."""

    order_id: str
    technician_id: str
    position: int  # index in the route the visit takes
    planned_start: int
    planned_end: int
    eta_window: Window
    cost: CostBreakdown
    restock: Restock | None = None
    after_order_id: str | None = None  # the visit just before, None at the start of the day
    before_order_id: str | None = None  # the visit just after, None at the end of the day

    def sort_key(self) -> tuple[float, str, int]:
        return (round(self.cost.total, 6), self.technician_id, self.position)

    def to_dict(self, clock: Clock) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "technician_id": self.technician_id,
            "position": self.position,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "planned_start_local": clock(self.planned_start),
            "eta_window": [self.eta_window.start, self.eta_window.end],
            "eta_window_local": [clock(self.eta_window.start), clock(self.eta_window.end)],
            "after_order_id": self.after_order_id,
            "before_order_id": self.before_order_id,
            "restock": None
            if self.restock is None
            else {"warehouse": self.restock.warehouse, "parts": dict(self.restock.parts)},
            "cost": self.cost.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class RunnerUp:
    candidate: Candidate
    cost_gap: float
    reasons: tuple[Reason, ...]  # why it lost to the winner, biggest gap first

    def to_dict(self, clock: Clock) -> dict[str, Any]:
        return {
            **self.candidate.to_dict(clock),
            "cost_gap": round(self.cost_gap, 3),
            "lost_because": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    technician_id: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "codes": [r.code.value for r in self.reasons],
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class UnblockHint:
    technician_id: str
    codes: tuple[ReasonCode, ...]
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        codes = [c.value for c in self.codes]
        return {"technician_id": self.technician_id, "codes": codes, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    order_id: str
    mode: str  # "auto", "offer" or "force"
    epoch_iso: str
    summary: str
    winner: Candidate | None
    runners_up: tuple[RunnerUp, ...]
    rejected: tuple[Rejection, ...]
    outranked: tuple[str, ...]  # feasible or not fully explored, but provably costlier than the ranked
    unblock: tuple[UnblockHint, ...]
    clock: Clock = field(compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "mode": self.mode,
            "outcome": "unassigned" if self.winner is None else "assigned",
            "epoch": self.epoch_iso,
            "summary": self.summary,
            "winner": None if self.winner is None else self.winner.to_dict(self.clock),
            "runners_up": [r.to_dict(self.clock) for r in self.runners_up],
            "rejected": [r.to_dict() for r in self.rejected],
            "outranked": list(self.outranked),
            "unblock": [h.to_dict() for h in self.unblock],
        }


_LOSS_COMPONENTS = (
    ("waiting", ReasonCode.LATER_ARRIVAL),
    ("travel", ReasonCode.HIGHER_TRAVEL),
    ("lateness", ReasonCode.HIGHER_LATENESS),
    ("overtime", ReasonCode.HIGHER_OVERTIME),
    ("workload", ReasonCode.HIGHER_WORKLOAD),
    ("preference", ReasonCode.LESS_PREFERRED),
)


def why_lost(loser: Candidate, winner: Candidate) -> tuple[Reason, ...]:
    """The cost components where the loser is worse than the winner, biggest gap first."""
    found: list[tuple[float, Reason]] = []
    for name, code in _LOSS_COMPONENTS:
        gap = getattr(loser.cost, name) - getattr(winner.cost, name)
        if gap > 0.0005:
            sentence = _loss_sentence(code, loser, winner, gap)
            detail = {"component": name, "gap": round(gap, 3)}
            found.append((gap, Reason(code, loser.technician_id, sentence, detail)))
    found.sort(key=lambda item: -item[0])
    if not found:
        sentence = f"{loser.technician_id} ties with {winner.technician_id}; ties go by technician id."
        return (Reason(ReasonCode.TIE_BROKEN, loser.technician_id, sentence, {}),)
    return tuple(reason for _, reason in found)


def _loss_sentence(code: ReasonCode, loser: Candidate, winner: Candidate, gap: float) -> str:
    who, other = loser.technician_id, winner.technician_id
    lc, wc = loser.cost, winner.cost
    match code:
        case ReasonCode.HIGHER_TRAVEL:
            extra = lc.added_travel_seconds - wc.added_travel_seconds
            return f"{who} would drive {minutes(extra)} more than {other} (+{gap:.0f})."
        case ReasonCode.LATER_ARRIVAL:
            extra = lc.waiting_seconds - wc.waiting_seconds
            return f"{who} would get there {minutes(extra)} later than {other} (+{gap:.0f})."
        case ReasonCode.HIGHER_LATENESS:
            return f"{who} would arrive later against SLA deadlines than {other} (+{gap:.0f})."
        case ReasonCode.HIGHER_OVERTIME:
            extra = lc.added_overtime_seconds - wc.added_overtime_seconds
            return f"{who} would need {minutes(extra)} more overtime than {other} (+{gap:.0f})."
        case ReasonCode.HIGHER_WORKLOAD:
            return f"{who} already carries more work than the team average (+{gap:.0f})."
        case _:
            return f"{other} served this customer or asset before, {who} did not (+{gap:.0f})."


_FIX_RANK = {
    ReasonCode.SHIFT_TOO_SHORT: 0,
    ReasonCode.OFF_SHIFT: 1,
    ReasonCode.NO_FEASIBLE_POSITION: 2,
    ReasonCode.MISSING_PARTS: 3,
    ReasonCode.MISSING_TOOLS: 3,
    ReasonCode.SKILL_LEVEL_TOO_LOW: 4,
    ReasonCode.CERT_EXPIRED: 4,
    ReasonCode.TERRITORY: 5,
    ReasonCode.ABSENT: 6,
    ReasonCode.NOT_REQUIRED_TECHNICIAN: 7,
    ReasonCode.CUSTOMER_EXCLUDED: 8,
    ReasonCode.CERT_MISSING: 9,
    ReasonCode.SKILL_MISSING: 10,
}


def unblock_hints(rejected: Sequence[Rejection], *, clock: Clock, limit: int = 3) -> tuple[UnblockHint, ...]:
    """The technicians closest to taking the order, with what would have to change for each."""

    def closeness(rejection: Rejection) -> tuple[int, int, int, str]:
        rank = sum(_FIX_RANK.get(r.code, 11) for r in rejection.reasons)
        size = sum(_fix_size(r) for r in rejection.reasons)
        return (len(rejection.reasons), rank, size, rejection.technician_id)

    hints = []
    for rejection in sorted(rejected, key=closeness)[:limit]:
        fixes = " and ".join(_fix(reason, clock) for reason in rejection.reasons)
        codes = tuple(r.code for r in rejection.reasons)
        hints.append(UnblockHint(rejection.technician_id, codes, fixes))
    return tuple(hints)


def _fix_size(reason: Reason) -> int:
    d = reason.detail
    if reason.code is ReasonCode.SHIFT_TOO_SHORT:
        return int(d["overtime_needed"])
    if reason.code is ReasonCode.SKILL_LEVEL_TOO_LOW:
        return int(d["required"]) - int(d["level"])
    if reason.code is ReasonCode.OFF_SHIFT and "available_from" in d:
        return max(0, int(d["available_from"]) - int(d["window_end"]))
    return 0


def _fix(reason: Reason, clock: Clock) -> str:
    who, d = reason.technician_id, reason.detail
    match reason.code:
        case ReasonCode.SHIFT_TOO_SHORT:
            return f"{who} ends at {clock(d['shift_end'])} (allow {minutes(d['overtime_needed'])} overtime)"
        case ReasonCode.OFF_SHIFT if "available_from" in d:
            return f"{who} is free from {clock(d['available_from'])} (widen the window)"
        case ReasonCode.OFF_SHIFT:
            return f"{who} is not working that day"
        case ReasonCode.SKILL_LEVEL_TOO_LOW:
            return f"{who} has {d['skill']} at level {d['level']}"
        case ReasonCode.CERT_EXPIRED:
            return f"renew {who}'s {d['certification']} certification"
        case ReasonCode.MISSING_PARTS:
            parts = ", ".join(f"{q}x {p}" for p, q in sorted(d["missing"].items()))
            return f"stock {parts} for {who}"
        case ReasonCode.MISSING_TOOLS:
            return f"put {', '.join(d['missing'])} on {who}'s van"
        case ReasonCode.TERRITORY:
            return f"let {who} work in {d['territory']}"
        case ReasonCode.NO_FEASIBLE_POSITION:
            return f"{who} is fully booked in the window ({d['why']})"
        case ReasonCode.ABSENT:
            return f"{who} is absent until {clock(d['absent_until'])}"
        case ReasonCode.CUSTOMER_EXCLUDED | ReasonCode.NOT_REQUIRED_TECHNICIAN:
            return f"the customer would have to accept {who}"
        case ReasonCode.CERT_MISSING:
            return f"{who} would need the {d['certification']} certification"
        case _:
            return f"{who} would need {d.get('skill', 'the skill')}"


def blocked_summary(order_id: str, rejected: Sequence[Rejection], *, window_end: int | None, clock: Clock) -> str:
    """One sentence for an order nobody can take: what is missing, then the nearest fix."""
    codes = {r.code for rej in rejected for r in rej.reasons}
    wanted: list[str] = []
    skills = {
        (r.detail["skill"], r.detail["required"])
        for rej in rejected
        for r in rej.reasons
        if r.code in (ReasonCode.SKILL_MISSING, ReasonCode.SKILL_LEVEL_TOO_LOW)
    }
    wanted += [f"with {skill} level >= {level}" for skill, level in sorted(skills)]
    certs = sorted({r.detail["certification"] for rej in rejected for r in rej.reasons if "certification" in r.detail})
    wanted += [f"holding a valid {cert}" for cert in certs]
    if codes & {ReasonCode.OFF_SHIFT, ReasonCode.SHIFT_TOO_SHORT, ReasonCode.ABSENT}:
        before = clock(window_end) if window_end is not None else "any time"
        wanted.append("on shift" + (f" before {before}" if before != "any time" else ""))
    if codes & {ReasonCode.MISSING_PARTS, ReasonCode.MISSING_TOOLS}:
        wanted.append("carrying the parts and tools")
    if ReasonCode.NO_FEASIBLE_POSITION in codes:
        wanted.append("with a free slot in the window")
    if not rejected:
        return f"No technician is on the roster for {order_id}."
    criteria = " and ".join(wanted) if wanted else "allowed by the customer's rules"
    hints = unblock_hints(rejected, clock=clock, limit=1)
    nearest = f"; nearest fix: {hints[0].sentence}" if hints else ""
    return f"No technician can take {order_id}: no technician {criteria}{nearest}."
