"""`orders.search` in SQL selects, counts, sorts and pages exactly like the in-memory store
(`fieldpilot.service.order_filters`), on the same data, for a grid of queries and many random ones."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from fieldpilot.domain.values import Priority
from fieldpilot.domain.work_order import OrderStatus, WorkOrder
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from fieldpilot.service.order_filters import SORT_FIELDS
from fieldpilot.service.unit_of_work import OrderQuery
from tests.integration.storage import builders as b

# Ids whose order differs between code points and a natural-language collation.
IDS = ["wo-a", "wo-B", "WO-c", "wo_d", "wo.e", "wo-10", "wo-9", "Wo-f", "wo-a1", "wo-A2"]
STATUSES = list(OrderStatus)
STATES = ["ok", "at_risk", "breached", "paused"]
TECHNICIANS = [None, "tech-1", "tech-2"]
CUSTOMERS = ["cust-1", "cust-2"]


def random_orders(rng: random.Random, count: int) -> list[WorkOrder]:
    ids = [*IDS, *(f"wo-{n:03d}" for n in range(count - len(IDS)))]
    moments = [b.T0 + timedelta(hours=h) for h in range(12)]  # few values: many ties

    def maybe(values: list[datetime]) -> datetime | None:
        return None if rng.random() < 0.3 else rng.choice(values)

    return [
        b.a_work_order(
            id=order_id,
            tracking_token=f"tok-{order_id}",
            created_at=rng.choice(moments),
            status=rng.choice(STATUSES),
            priority=rng.choice(list(Priority)),
            technician_id=rng.choice(TECHNICIANS),
            customer_id=rng.choice(CUSTOMERS),
            sla_state=rng.choice(STATES),
            sla_next_deadline=maybe(moments),
            sla_risk_at=maybe(moments),
            planned_start=maybe(moments),
            history=[],
        )
        for order_id in ids
    ]


def random_query(rng: random.Random) -> OrderQuery:
    def some(values: list) -> frozenset:
        return frozenset(rng.sample(values, rng.randint(0, 2)))

    created = [None, b.T0 + timedelta(hours=rng.randint(0, 12))]
    return OrderQuery(
        statuses=some(STATUSES),
        priorities=some(list(Priority)),
        technician_id=rng.choice([None, *TECHNICIANS[1:]]),
        customer_id=rng.choice([None, *CUSTOMERS]),
        sla_states=some(STATES),
        created_from=rng.choice(created),
        created_to=rng.choice(created),
        sort=rng.choice([*SORT_FIELDS, "unknown"]),
        descending=rng.random() < 0.5,
        offset=rng.choice([0, 0, 3, 10]),
        limit=rng.choice([1, 5, 50]),
        now=rng.choice([None, b.T0 + timedelta(hours=rng.randint(0, 12), minutes=30), b.T0 + timedelta(hours=4)]),
    )


@pytest.fixture
def both_stores(sql_uow_factory):
    rng = random.Random(20260302)
    orders = random_orders(rng, 60)
    memory = MemoryUnitOfWork(MemoryDatabase(), lambda: datetime.now(UTC))
    with memory:
        for order in orders:
            memory.orders.add(order)
        memory.commit()
    with sql_uow_factory() as sql:
        for order in random_orders(random.Random(20260302), 60):
            sql.orders.add(order)
        sql.commit()
    with memory:  # one unit of work for all queries: it copies each stored order only once
        yield memory, sql_uow_factory


def search_both(memory, sql_uow_factory, query):
    """(ids, total) of the page from memory and from SQL."""
    expected = memory.orders.search(query)
    with sql_uow_factory() as sql:
        found = sql.orders.search(query)
    return ([o.id for o in expected.items], expected.total), ([o.id for o in found.items], found.total)


def test_every_sort_direction_and_page_matches_memory(both_stores):
    memory, sql_uow_factory = both_stores
    for sort, descending, (offset, limit) in itertools.product(
        [*SORT_FIELDS, "unknown"], [False, True], [(0, 100), (0, 7), (7, 7), (55, 10)]
    ):
        query = OrderQuery(sort=sort, descending=descending, offset=offset, limit=limit)
        expected, found = search_both(memory, sql_uow_factory, query)
        assert found == expected, query


def test_effective_sla_state_filter_matches_memory(both_stores):
    memory, sql_uow_factory = both_stores
    moments = [None, b.T0, b.T0 + timedelta(hours=3, minutes=30), b.T0 + timedelta(hours=20)]
    for now, state in itertools.product(moments, STATES):
        query = OrderQuery(sla_states=frozenset({state}), now=now, limit=100)
        expected, found = search_both(memory, sql_uow_factory, query)
        assert found == expected, query


def test_random_queries_match_memory(both_stores):
    memory, sql_uow_factory = both_stores
    rng = random.Random(7)
    for _ in range(150):
        query = random_query(rng)
        expected, found = search_both(memory, sql_uow_factory, query)
        assert found == expected, query


def test_pages_cover_every_match_once(both_stores):
    _, sql_uow_factory = both_stores
    seen: list[str] = []
    with sql_uow_factory() as sql:
        for offset in range(0, 60, 8):
            page = sql.orders.search(OrderQuery(sort="planned_start", offset=offset, limit=8))
            seen.extend(o.id for o in page.items)
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 60


def test_list_orders_by_key_in_code_point_order(both_stores):
    memory, sql_uow_factory = both_stores
    with memory:
        expected = [o.id for o in memory.orders.list(limit=1000)]
        expected_open = [o.id for o in memory.orders.open_orders()]
    with sql_uow_factory() as sql:
        assert [o.id for o in sql.orders.list(limit=1000)] == expected
        assert [o.id for o in sql.orders.open_orders()] == expected_open


def test_bookings_of_a_technician_match_memory(both_stores):
    memory, sql_uow_factory = both_stores
    windows = [
        (b.T0 + timedelta(hours=start), b.T0 + timedelta(hours=start, minutes=length))
        for start, length in itertools.product(range(-1, 13), [1, 30, 90, 600])
    ]
    with sql_uow_factory() as sql:
        for technician_id, (start, end) in itertools.product(TECHNICIANS[1:], windows):
            expected = [o.id for o in memory.orders.booked_for(technician_id, start=start, end=end)]
            found = [o.id for o in sql.orders.booked_for(technician_id, start=start, end=end)]
            assert found == expected, (technician_id, start, end)
