"""The event queue: ordered by (time, priority, sequence), never back in time, clock in step."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import pytest

from fieldpilot.simulator.kernel import CUSTOMER, DISPATCHER, TECHNICIAN, WORLD, YOUNG_COLLECTION_ALLOCATIONS, Kernel

START = datetime(2026, 3, 2, tzinfo=UTC)


def test_fires_by_time_then_priority_then_insertion_order() -> None:
    kernel = Kernel(START)
    fired: list[str] = []
    kernel.at(20, lambda: fired.append("late"), priority=WORLD)
    kernel.at(10, lambda: fired.append("dispatcher"), priority=DISPATCHER)
    kernel.at(10, lambda: fired.append("technician-1"), priority=TECHNICIAN)
    kernel.at(10, lambda: fired.append("technician-2"), priority=TECHNICIAN)
    kernel.at(10, lambda: fired.append("customer"), priority=CUSTOMER)
    kernel.run(until=100)
    assert fired == ["customer", "technician-1", "technician-2", "dispatcher", "late"]


def test_callbacks_see_the_clock_at_their_second_and_may_schedule_more() -> None:
    kernel = Kernel(START)
    seen: list[tuple[int, datetime]] = []

    def tick() -> None:
        seen.append((kernel.now, kernel.clock.now()))
        if kernel.now < 30:
            kernel.after(10, tick)

    kernel.at(0, tick)
    kernel.run(until=1_000)
    assert [s for s, _ in seen] == [0, 10, 20, 30]
    assert all(moment == START + timedelta(seconds=s) for s, moment in seen)
    assert kernel.clock.now() == START + timedelta(seconds=1_000)


def test_a_request_for_the_past_fires_now_not_back_in_time() -> None:
    kernel = Kernel(START)
    order: list[int] = []
    kernel.at(50, lambda: kernel.at(10, lambda: order.append(kernel.now)))
    kernel.run(until=100)
    assert order == [50]


def test_run_stops_at_until_and_keeps_later_entries() -> None:
    kernel = Kernel(START)
    fired: list[int] = []
    for second in (5, 15, 25):
        kernel.at(second, lambda s=second: fired.append(s))
    kernel.run(until=15)
    assert fired == [5, 15]
    assert kernel.pending == 1
    assert kernel.peek() == 25


def test_a_run_collects_young_garbage_less_often_and_restores_the_collector_after() -> None:
    before = gc.get_threshold()
    kernel = Kernel(START)
    seen: list[tuple[int, int, int]] = []
    kernel.at(10, lambda: seen.append(gc.get_threshold()))
    kernel.at(20, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        kernel.run(until=30)
    assert seen == [(max(YOUNG_COLLECTION_ALLOCATIONS, before[0]), *before[1:])]
    assert gc.get_threshold() == before
