"""Events become outbox rows in the transaction of the change: all of them on commit, none
without it; the in-process bus gets them from `collect_new_events` afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.events import OrderCreated, ResourceChanged, StatusChanged
from fieldpilot.domain.work_order import HistoryEntry, OrderStatus
from fieldpilot.service.unit_of_work import OrderQuery
from tests.integration.storage import builders as b

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def created(order_id: str) -> OrderCreated:
    return OrderCreated(order_id, priority=2, service_type="repair", channel="api")


def test_commit_writes_one_outbox_row_per_event_and_hands_them_to_the_bus(sql_uow_factory):
    uow = sql_uow_factory(lambda: NOW)
    with uow:
        order = b.a_work_order()
        order.events.append(created("wo-1"))
        uow.orders.add(order)
        uow.record(ResourceChanged("technician", "tech-1", "created"))
        uow.commit()
        assert order.events == []

    assert list(uow.collect_new_events()) == [
        ResourceChanged("technician", "tech-1", "created"),
        created("wo-1"),
    ]
    assert list(uow.collect_new_events()) == []
    with sql_uow_factory() as reader:
        rows = reader.outbox.pending()
    assert [(m.name, m.payload, m.created_at, m.published_at) for m in rows] == [
        ("ResourceChanged", {"kind": "technician", "key": "tech-1", "change": "created"}, NOW, None),
        (
            "OrderCreated",
            {"order_id": "wo-1", "priority": 2, "service_type": "repair", "channel": "api"},
            NOW,
            None,
        ),
    ]


def test_events_of_loaded_orders_are_written_too(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.orders.add(b.a_work_order(id="wo-2"))
        uow.commit()
    uow = sql_uow_factory()
    with uow:
        found = uow.orders.search(OrderQuery()).items
        found[1].events.append(StatusChanged("wo-2", "assigned", "accepted", "accept", "tech", ""))
        found[1].status = OrderStatus.ACCEPTED
        found[1].version += 1
        uow.commit()
    assert [e.name for e in uow.collect_new_events()] == ["StatusChanged"]
    with sql_uow_factory() as reader:
        assert [m.payload["order_id"] for m in reader.outbox.pending()] == ["wo-2"]


def test_no_outbox_rows_without_commit(sql_uow_factory):
    uow = sql_uow_factory()
    with uow:
        order = b.a_work_order()
        order.events.append(created("wo-1"))
        uow.orders.add(order)
        uow.record(ResourceChanged("customer", "cust-1", "created"))
    assert list(uow.collect_new_events()) == []
    with sql_uow_factory() as reader:
        assert reader.outbox.pending() == []
        assert reader.orders.get("wo-1") is None


def test_failed_commit_keeps_the_events_and_writes_no_row(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.commit()
    uow = sql_uow_factory()
    with uow:
        duplicate = b.a_work_order(tracking_token="other")
        duplicate.events.append(created("wo-1"))
        uow.orders.add(duplicate)
        with pytest.raises(Conflict):
            uow.commit()
        assert duplicate.events == [created("wo-1")]
    assert list(uow.collect_new_events()) == []
    with sql_uow_factory() as reader:
        assert reader.outbox.pending() == []


def test_relay_marks_rows_published(sql_uow_factory):
    with sql_uow_factory() as uow:
        for key in ("a", "b", "c"):
            uow.record(ResourceChanged("part", key, "created"))
        uow.commit()
    with sql_uow_factory() as relay:
        first_two = relay.outbox.pending(limit=2)
        assert [m.payload["key"] for m in first_two] == ["a", "b"]
        relay.outbox.mark_published([m.id for m in first_two], NOW + timedelta(seconds=1))
        relay.commit()
    with sql_uow_factory() as relay:
        assert [m.payload["key"] for m in relay.outbox.pending()] == ["c"]


def test_history_is_appended_in_order_across_units_of_work(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order(history=[]))
        uow.commit()
    actions = ["assign", "accept", "start_travel", "arrive", "complete"]
    for minute, action in enumerate(actions):
        with sql_uow_factory() as uow:
            order = uow.orders.get("wo-1")
            order.history.append(
                HistoryEntry(b.T0 + timedelta(minutes=minute), "tech", action, None, OrderStatus.ASSIGNED)
            )
            order.version += 1
            uow.commit()
    with sql_uow_factory() as uow:
        assert [h.action for h in uow.orders.get("wo-1").history] == actions


def test_two_relays_on_postgresql_never_take_the_same_rows(sql_uow_factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one unit of work at a time; there is no second relay to skip past")
    with sql_uow_factory() as uow:
        for key in ("a", "b", "c", "d"):
            uow.record(ResourceChanged("part", key, "created"))
        uow.commit()
    with sql_uow_factory() as first, sql_uow_factory() as second:
        taken_first = [m.payload["key"] for m in first.outbox.pending(limit=2)]
        taken_second = [m.payload["key"] for m in second.outbox.pending(limit=10)]
    assert (taken_first, taken_second) == (["a", "b"], ["c", "d"])
