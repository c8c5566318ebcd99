"""Each hard filter rejects with its own reason code, a sentence, and the data it decided on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fieldpilot.engine.insertion import insert
from fieldpilot.engine.problem import BreakWindow, PlannedVisit, Window
from fieldpilot.engine.reasons import ReasonCode
from tests.unit.engine.builders import HOUR, MINUTE, a_problem, a_technician, an_order, with_route

CASES: list[tuple[ReasonCode, dict[str, Any], dict[str, Any]]] = [
    (ReasonCode.SKILL_MISSING, {}, {"required_skills": {"boiler": 1}}),
    (ReasonCode.SKILL_LEVEL_TOO_LOW, {"skills": {"boiler": 2}}, {"required_skills": {"boiler": 3}}),
    (ReasonCode.CERT_MISSING, {}, {"required_certifications": frozenset({"gas-safe"})}),
    (
        ReasonCode.CERT_EXPIRED,
        {"expired_certifications": frozenset({"gas-safe"})},
        {"required_certifications": frozenset({"gas-safe"})},
    ),
    (ReasonCode.OFF_SHIFT, {"shift_start": 0, "shift_end": 0, "earliest_start": 0}, {}),
    (ReasonCode.OFF_SHIFT, {}, {"earliest_start": 18 * HOUR, "latest_start": 19 * HOUR}),
    (ReasonCode.SHIFT_TOO_SHORT, {"shift_end": 9 * HOUR}, {"duration": 2 * HOUR}),
    (ReasonCode.ABSENT, {"absences": (Window(8 * HOUR, 17 * HOUR),)}, {}),
    (ReasonCode.MISSING_PARTS, {}, {"parts": {"valve": 1}}),
    (ReasonCode.MISSING_TOOLS, {}, {"required_tools": frozenset({"ladder"})}),
    (ReasonCode.TERRITORY, {"territories": frozenset({"north"})}, {"territory": "south"}),
    (ReasonCode.CUSTOMER_EXCLUDED, {}, {"excluded_technicians": frozenset({"T-1"})}),
    (ReasonCode.NOT_REQUIRED_TECHNICIAN, {}, {"required_technicians": frozenset({"T-9"})}),
]


@pytest.mark.parametrize(("code", "tech", "order"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rejects_with_the_hard_reason(code: ReasonCode, tech: dict[str, Any], order: dict[str, Any]) -> None:
    problem = a_problem(technicians=[a_technician(**tech)], orders=[an_order(**order)])
    decision = insert(problem, "O-1")
    assert decision.assignment is None
    [rejection] = decision.record.rejected
    assert [r.code for r in rejection.reasons] == [code]
    assert rejection.reasons[0].sentence
    assert decision.record.unblock, "an order nobody can take comes with what would unblock it"
    json.dumps(decision.record.to_dict())


def test_no_feasible_position_when_planned_visits_fill_the_window() -> None:
    tech = with_route(
        a_technician(),
        [PlannedVisit("P-1", 8 * HOUR + 10 * MINUTE, promised_window=Window(8 * HOUR, 8 * HOUR + 20 * MINUTE))],
    )
    planned = an_order(id="P-1", location=1, duration=2 * HOUR)
    new = an_order(id="O-1", location=1, latest_start=8 * HOUR + 30 * MINUTE, duration=HOUR)
    decision = insert(a_problem(technicians=[tech], orders=[planned, new]), "O-1")
    [rejection] = decision.record.rejected
    assert [r.code for r in rejection.reasons] == [ReasonCode.NO_FEASIBLE_POSITION]
    assert rejection.reasons[0].detail["failure"] in {"slack", "promise"}
    assert "promise" in rejection.reasons[0].sentence


def test_no_feasible_position_when_a_break_cannot_be_taken() -> None:
    tech = a_technician(breaks=(BreakWindow(9 * HOUR, 10 * HOUR, 45 * MINUTE),))
    order = an_order(earliest_start=9 * HOUR, latest_start=9 * HOUR, duration=90 * MINUTE)
    decision = insert(a_problem(technicians=[tech], orders=[order]), "O-1")
    [rejection] = decision.record.rejected
    assert rejection.reasons[0].code is ReasonCode.NO_FEASIBLE_POSITION


def test_records_every_reason_of_a_technician_not_just_the_first() -> None:
    tech = a_technician(skills={"boiler": 1})
    order = an_order(required_skills={"boiler": 3}, required_tools=frozenset({"ladder"}), territory="x")
    tech = a_technician(skills={"boiler": 1}, territories=frozenset({"y"}))
    decision = insert(a_problem(technicians=[tech], orders=[order]), "O-1")
    codes = {r.code for r in decision.record.rejected[0].reasons}
    assert codes == {ReasonCode.SKILL_LEVEL_TOO_LOW, ReasonCode.MISSING_TOOLS, ReasonCode.TERRITORY}


def test_blocked_summary_names_the_requirement_and_the_nearest_fix() -> None:
    close = a_technician(id="T-17", skills={"boiler": 3}, shift_start=15 * HOUR, shift_end=20 * HOUR)
    unskilled = a_technician(id="T-2", skills={"boiler": 2})
    order = an_order(required_skills={"boiler": 3}, latest_start=14 * HOUR)
    decision = insert(a_problem(technicians=[close, unskilled], orders=[order]), "O-1")
    summary = decision.record.summary
    assert "boiler level >= 3" in summary
    assert "before 14:00" in summary
    assert "nearest fix: T-17 is free from 15:00" in summary
    assert decision.record.unblock[0].technician_id == "T-17"


def test_shift_too_short_hint_says_how_much_overtime_would_do() -> None:
    tech = a_technician(id="T-3", shift_end=9 * HOUR)
    decision = insert(a_problem(technicians=[tech], orders=[an_order(duration=HOUR)]), "O-1")
    hint = decision.record.unblock[0].sentence
    assert hint.startswith("T-3 ends at 09:00 (allow ")
    assert "overtime" in hint
