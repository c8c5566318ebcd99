"""A dispatcher's forced assignment shows what it breaks and what it costs."""

from __future__ import annotations

import json

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.engine.insertion import evaluate_force_assign
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import PinKind, PlannedVisit, Window
from tests.unit.engine.builders import HOUR, a_problem, a_technician, an_order, with_route


def test_a_rule_abiding_choice_breaks_nothing_and_shows_the_extra_cost() -> None:
    near = a_technician(id="T-A", start_location=4, end_location=4)
    far = a_technician(id="T-B", start_location=0, end_location=0)
    problem = a_problem(technicians=[near, far], orders=[an_order(location=4)])
    forced = evaluate_force_assign(problem, "O-1", "T-B")
    assert forced.broken == ()
    assert not forced.requires_reason
    assert forced.cost_delta is not None
    assert forced.cost_delta > 0
    json.dumps(forced.to_dict(problem))


def test_lists_hard_rules_broken_and_requires_a_reason() -> None:
    tech = a_technician(skills={"boiler": 1})
    problem = a_problem(technicians=[tech], orders=[an_order(required_skills={"boiler": 3})])
    forced = evaluate_force_assign(problem, "O-1", "T-1")
    assert [b.code for b in forced.broken] == ["SKILL_LEVEL_TOO_LOW"]
    assert forced.requires_reason
    assert forced.cost_delta is None


def test_shows_the_promise_a_position_would_break() -> None:
    promised = PlannedVisit("P-1", 8 * HOUR + 600, promised_window=Window(8 * HOUR, 8 * HOUR + 900))
    tech = with_route(a_technician(), [promised])
    orders = [an_order(id="P-1", location=1), an_order(location=2, duration=HOUR)]
    problem = a_problem(technicians=[tech], orders=orders)
    params = DispatchParams(promise_tolerance=0)
    before = evaluate_force_assign(problem, "O-1", "T-1", 0, params=params)
    assert [(b.code, b.order_id) for b in before.broken] == [("PROMISED_WINDOW", "P-1")]
    best = evaluate_force_assign(problem, "O-1", "T-1", params=params)
    assert best.candidate.position == 1
    assert best.broken == ()


def test_refuses_a_position_before_an_on_site_visit() -> None:
    tech = with_route(a_technician(), [PlannedVisit("P-1", 8 * HOUR, PinKind.ON_SITE)])
    problem = a_problem(technicians=[tech], orders=[an_order(id="P-1", location=0), an_order()])
    with pytest.raises(InvalidInput):
        evaluate_force_assign(problem, "O-1", "T-1", 0)


def test_shows_the_time_lock_a_position_would_break_and_allows_the_one_that_keeps_it() -> None:
    locked = PlannedVisit("L-1", 10 * HOUR, PinKind.LOCKED_TIME)
    tech = with_route(a_technician(), [locked])
    orders = [an_order(id="L-1", location=1), an_order(location=2, duration=2 * HOUR)]
    problem = a_problem(technicians=[tech], orders=orders)
    before = evaluate_force_assign(problem, "O-1", "T-1", 0)  # 8:20-10:20, then L-1 at 10:30
    assert [(b.code, b.order_id) for b in before.broken] == [("TIME_LOCK_MOVED", "L-1")]
    assert before.requires_reason
    assert evaluate_force_assign(problem, "O-1", "T-1").broken == ()  # after L-1
