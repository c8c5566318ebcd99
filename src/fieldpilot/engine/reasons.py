"""Why a technician cannot take an order, or lost it: machine-readable codes with a human sentence.

A `Reason` carries its code, the technician it concerns, the data it was decided on (`detail`,
plain JSON values) and a sentence a dispatcher can read. Sentences render seconds as local
clock times through a `clock` function supplied by the caller.

May import: the standard library only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[int], str]


class ReasonCode(enum.StrEnum):
    # hard filters
    SKILL_MISSING = "SKILL_MISSING"
    SKILL_LEVEL_TOO_LOW = "SKILL_LEVEL_TOO_LOW"
    CERT_MISSING = "CERT_MISSING"
    CERT_EXPIRED = "CERT_EXPIRED"
    OFF_SHIFT = "OFF_SHIFT"
    SHIFT_TOO_SHORT = "SHIFT_TOO_SHORT"
    ABSENT = "ABSENT"
    MISSING_PARTS = "MISSING_PARTS"
    MISSING_TOOLS = "MISSING_TOOLS"
    TERRITORY = "TERRITORY"
    CUSTOMER_EXCLUDED = "CUSTOMER_EXCLUDED"
    NOT_REQUIRED_TECHNICIAN = "NOT_REQUIRED_TECHNICIAN"
    # route feasibility
    NO_FEASIBLE_POSITION = "NO_FEASIBLE_POSITION"
    # ranking among feasible technicians
    HIGHER_TRAVEL = "HIGHER_TRAVEL"
    LATER_ARRIVAL = "LATER_ARRIVAL"
    HIGHER_LATENESS = "HIGHER_LATENESS"
    HIGHER_OVERTIME = "HIGHER_OVERTIME"
    HIGHER_WORKLOAD = "HIGHER_WORKLOAD"
    LESS_PREFERRED = "LESS_PREFERRED"
    TIE_BROKEN = "TIE_BROKEN"

    @property
    def is_hard(self) -> bool:
        return self in HARD_CODES


HARD_CODES = frozenset(
    {
        ReasonCode.SKILL_MISSING,
        ReasonCode.SKILL_LEVEL_TOO_LOW,
        ReasonCode.CERT_MISSING,
        ReasonCode.CERT_EXPIRED,
        ReasonCode.OFF_SHIFT,
        ReasonCode.SHIFT_TOO_SHORT,
        ReasonCode.ABSENT,
        ReasonCode.MISSING_PARTS,
        ReasonCode.MISSING_TOOLS,
        ReasonCode.TERRITORY,
        ReasonCode.CUSTOMER_EXCLUDED,
        ReasonCode.NOT_REQUIRED_TECHNICIAN,
        ReasonCode.NO_FEASIBLE_POSITION,
    }
)


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    technician_id: str
    sentence: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "technician_id": self.technician_id,
            "sentence": self.sentence,
            "detail": dict(self.detail),
        }


def minutes(seconds: int) -> str:
    """A duration for people: '45 min', '2 h 05 min'."""
    total = max(0, round(seconds / 60))
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def window_text(start: int, end: int, clock: Clock) -> str:
    """'09:00-12:00', 'from 09:00', 'until 12:00' or 'any time' (open ends render as 'any time')."""
    opens, closes = clock(start), clock(end)
    if opens == "any time" and closes == "any time":
        return "any time"
    if opens == "any time":
        return f"until {closes}"
    if closes == "any time":
        return f"from {opens}"
    return f"{opens}-{closes}"


def sentence_for(code: ReasonCode, who: str, detail: Mapping[str, Any], clock: Clock) -> str:
    """The human sentence of a hard reason, from the same data the code was decided on."""
    d = detail
    match code:
        case ReasonCode.SKILL_MISSING:
            return f"{who} does not have the skill {d['skill']} (level >= {d['required']} needed)."
        case ReasonCode.SKILL_LEVEL_TOO_LOW:
            return f"{who} has {d['skill']} at level {d['level']}, the order needs level >= {d['required']}."
        case ReasonCode.CERT_MISSING:
            return f"{who} does not hold the certification {d['certification']}."
        case ReasonCode.CERT_EXPIRED:
            return f"{who}'s certification {d['certification']} is not valid on the visit date."
        case ReasonCode.OFF_SHIFT:
            if d.get("shift_start") == d.get("shift_end"):
                return f"{who} does not work that day."
            return (
                f"{who} works {clock(d['shift_start'])}-{clock(d['shift_end'])}, outside the order's "
                f"window ({window_text(d['window_start'], d['window_end'], clock)})."
            )
        case ReasonCode.SHIFT_TOO_SHORT:
            return (
                f"{who}'s shift ends at {clock(d['shift_end'])}; the visit would finish and get back "
                f"at {clock(d['back_at'])}, {minutes(d['overtime_needed'])} of overtime "
                f"({minutes(d['overtime_allowed'])} allowed)."
            )
        case ReasonCode.ABSENT:
            return f"{who} is absent {clock(d['absent_from'])}-{clock(d['absent_until'])}."
        case ReasonCode.MISSING_PARTS:
            parts = ", ".join(f"{q}x {p}" for p, q in sorted(d["missing"].items()))
            return f"{who}'s van lacks {parts} and no warehouse with them is reachable in time."
        case ReasonCode.MISSING_TOOLS:
            return f"{who}'s van lacks the tools {', '.join(sorted(d['missing']))}."
        case ReasonCode.TERRITORY:
            return f"{who} does not work in territory {d['territory']}."
        case ReasonCode.CUSTOMER_EXCLUDED:
            return f"The customer has excluded {who}."
        case ReasonCode.NOT_REQUIRED_TECHNICIAN:
            return f"The customer asks for {', '.join(sorted(d['required']))} only."
        case ReasonCode.NO_FEASIBLE_POSITION:
            return f"{who} has no place in the route that keeps every window and promise: {d['why']}."
        case _:
            return f"{who}: {code.value}."
