"""Comparing a warm dispatch snapshot with a fresh read: same decisions, same plan, same content
(places compared by coordinates, as their numbering may differ)."""

from __future__ import annotations

from dataclasses import replace

from fieldpilot.engine.insertion import insert, plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem


def assert_same_snapshot(warm: DispatchProblem, fresh: DispatchProblem, *, params: DispatchParams) -> None:
    replace(warm)  # the constructor's whole-problem checks hold for what the warm snapshot assembled
    assert warm.orders_by_id == {o.id: o for o in warm.orders}  # the index it kept agrees with its orders
    assert all(warm.orders_by_id[o.id] is o for o in warm.orders)
    assert (warm.epoch, warm.now) == (fresh.epoch, fresh.now)
    assert [o.id for o in warm.orders] == [o.id for o in fresh.orders]
    for a, b in zip(warm.orders, fresh.orders, strict=True):
        assert warm.locations[a.location] == fresh.locations[b.location]
        assert replace(a, location=0) == replace(b, location=0)
    assert [t.id for t in warm.technicians] == [t.id for t in fresh.technicians]
    for a, b in zip(warm.technicians, fresh.technicians, strict=True):
        assert warm.locations[a.start_location] == fresh.locations[b.start_location]
        assert warm.locations[a.end_location] == fresh.locations[b.end_location]
        assert replace(a, start_location=0, end_location=0) == replace(b, start_location=0, end_location=0)
    assert [(w.id, warm.locations[w.location]) for w in warm.warehouses] == [
        (w.id, fresh.locations[w.location]) for w in fresh.warehouses
    ]
    assert plan_of(warm, params=params) == plan_of(fresh, params=params)


def assert_same_decisions(
    warm: DispatchProblem, fresh: DispatchProblem, order_ids: list[str], *, params: DispatchParams
) -> None:
    """Every order not yet in a route gets the same decision record from both."""
    for order_id in order_ids:
        if order_id in warm.orders_by_id and order_id not in warm.assigned_technician:
            assert insert(warm, order_id, params=params).to_dict() == insert(fresh, order_id, params=params).to_dict()
