from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldpilot.domain.errors import IllegalTransition, InvalidInput
from fieldpilot.domain.events import OrderAssigned, OrderReassigned, StatusChanged
from fieldpilot.domain.work_order import OrderLock, OrderStatus, SlaLogEntry, SlaLogKind, WorkOrder
from fieldpilot.workflow import Action, advance, allowed_actions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def an_order(**overrides: object) -> WorkOrder:
    fields: dict[str, object] = {
        "id": "wo-1",
        "customer_id": "C-1",
        "site_id": "S-1",
        "service_type": "boiler-repair",
        "created_at": NOW,
        "tracking_token": "tok",
    }
    fields.update(overrides)
    return WorkOrder(**fields)  # type: ignore[arg-type]


def walk(order: WorkOrder, *actions: Action) -> None:
    for action in actions:
        advance(order, action, at=NOW, actor="u", reason="r", technician_id="T-1")


def test_happy_path_reaches_closed_and_records_every_step() -> None:
    order = an_order()
    walk(order, Action.ASSIGN, Action.ACCEPT, Action.START_TRAVEL, Action.ARRIVE, Action.COMPLETE, Action.CLOSE)
    assert order.status is OrderStatus.CLOSED
    assert [h.to_status for h in order.history] == [
        OrderStatus.ASSIGNED,
        OrderStatus.ACCEPTED,
        OrderStatus.EN_ROUTE,
        OrderStatus.ON_SITE,
        OrderStatus.COMPLETED,
        OrderStatus.CLOSED,
    ]
    assert set(order.milestones) == {"dispatch", "first_contact", "arrival", "resolution"}


def test_illegal_transition_names_current_state_and_allowed_actions() -> None:
    order = an_order()
    with pytest.raises(IllegalTransition) as caught:
        walk(order, Action.COMPLETE)
    assert caught.value.current == "new"
    assert "assign" in caught.value.allowed
    assert "complete" not in caught.value.allowed
    assert order.status is OrderStatus.NEW and order.history == []


@pytest.mark.parametrize("action", [Action.HOLD, Action.CANCEL, Action.REOPEN, Action.DECLINE])
def test_actions_that_need_a_reason_refuse_a_blank_one(action: Action) -> None:
    order = an_order()
    if action is Action.REOPEN:
        walk(order, Action.CANCEL)
    if action is Action.DECLINE:
        walk(order, Action.ASSIGN)
    with pytest.raises(InvalidInput) as caught:
        advance(order, action, at=NOW, actor="u", reason="  ")
    assert caught.value.field == "reason"


def test_hold_and_resume_return_to_the_held_state_and_log_the_sla_pause() -> None:
    order = an_order(sla_log=[SlaLogEntry(at=NOW, kind=SlaLogKind.START, policy_id="p")])
    walk(order, Action.ASSIGN, Action.ACCEPT)
    advance(order, Action.HOLD, at=NOW, actor="u", reason="customer_unavailable")
    assert order.status is OrderStatus.ON_HOLD and order.held_from is OrderStatus.ACCEPTED
    advance(order, Action.RESUME, at=NOW, actor="u")
    assert order.status is OrderStatus.ACCEPTED
    assert [e.kind for e in order.sla_log] == [SlaLogKind.START, SlaLogKind.PAUSE, SlaLogKind.RESUME]


def test_hold_of_an_order_without_an_sla_clock_logs_no_pause() -> None:
    order = an_order()
    walk(order, Action.HOLD, Action.RESUME)
    assert order.status is OrderStatus.NEW
    assert order.sla_log == []


def test_resume_after_hold_while_travelling_restarts_the_approach() -> None:
    order = an_order()
    walk(order, Action.ASSIGN, Action.ACCEPT, Action.START_TRAVEL, Action.HOLD, Action.RESUME)
    assert order.status is OrderStatus.ACCEPTED


def test_reassign_changes_technician_and_records_both() -> None:
    order = an_order()
    walk(order, Action.ASSIGN)
    advance(order, Action.REASSIGN, at=NOW, actor="d", reason="closer tech", technician_id="T-2")
    assert order.technician_id == "T-2"
    assert any(isinstance(e, OrderReassigned) and e.from_technician_id == "T-1" for e in order.events)
    assert any(isinstance(e, OrderAssigned) for e in order.events)


def test_reassign_to_the_same_technician_is_refused() -> None:
    order = an_order()
    walk(order, Action.ASSIGN)
    with pytest.raises(InvalidInput):
        advance(order, Action.REASSIGN, at=NOW, actor="d", reason="x", technician_id="T-1")


def test_cancel_clears_the_booking_and_reopen_starts_over() -> None:
    order = an_order()
    walk(order, Action.ASSIGN, Action.CANCEL)
    assert order.technician_id is None and order.status is OrderStatus.CANCELLED
    walk(order, Action.REOPEN)
    assert order.status is OrderStatus.NEW


def test_every_status_change_emits_status_changed() -> None:
    order = an_order()
    walk(order, Action.ASSIGN, Action.ACCEPT)
    assert [e.to_status for e in order.events if isinstance(e, StatusChanged)] == ["assigned", "accepted"]


@pytest.mark.parametrize("status", list(OrderStatus))
def test_allowed_actions_are_exactly_those_that_succeed(status: OrderStatus) -> None:
    for action in Action:
        order = an_order(status=status, technician_id="T-9", held_from=OrderStatus.ASSIGNED)
        try:
            advance(order, action, at=NOW, actor="u", reason="r", technician_id="T-1")
            succeeded = True
        except IllegalTransition:
            succeeded = False
        assert succeeded == (action.value in allowed_actions(status)), (status, action)


@pytest.mark.parametrize(
    ("action", "lock", "after"),
    [
        (Action.UNASSIGN, OrderLock.TIME, OrderLock.NONE),
        (Action.DECLINE, OrderLock.TIME, OrderLock.NONE),
        (Action.UNASSIGN, OrderLock.ASSIGNMENT, OrderLock.ASSIGNMENT),
        (Action.ACCEPT, OrderLock.TIME, OrderLock.TIME),
    ],
)
def test_a_time_lock_goes_with_the_slot_it_held(action: Action, lock: OrderLock, after: OrderLock) -> None:
    order = an_order(status=OrderStatus.ASSIGNED, technician_id="T-1", planned_start=NOW, lock=lock)
    walk(order, action)
    assert order.lock is after


def test_a_time_lock_needs_a_technician_and_a_planned_start() -> None:
    with pytest.raises(InvalidInput) as refused:
        an_order(lock=OrderLock.TIME, technician_id="T-1")
    assert refused.value.field == "lock"
    assert an_order(lock=OrderLock.TIME, technician_id="T-1", planned_start=NOW).locked
    assert not an_order().locked and an_order(lock=OrderLock.ASSIGNMENT).locked
