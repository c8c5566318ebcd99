"""The in-memory stores' order index: queries that read only the orders the index names answer
exactly as a scan of every order would, inside a unit of work (its own uncommitted changes
included) and after commits, rollbacks, refused commits, deletes and reassignments; and the
index always equals one rebuilt from the committed rows."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.work_order import BOOKED_STATUSES, OPEN_STATUSES, OrderStatus, WorkOrder
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork, OrderIndex
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.simulator.store import SimulationUnitOfWork

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TECHNICIANS = ["T-1", "T-2", "T-3"]
STATUSES = list(OrderStatus)
Store = Callable[[MemoryDatabase], MemoryUnitOfWork]
STORES: list[Store] = [
    lambda db: MemoryUnitOfWork(db, lambda: T0),
    lambda db: SimulationUnitOfWork(db, lambda: T0),
]


def an_order(key: str, *, technician: str | None = None, status: OrderStatus = OrderStatus.NEW) -> WorkOrder:
    order = WorkOrder(
        id=key, customer_id="C-1", site_id="S-1", service_type="repair", created_at=T0, tracking_token=f"tok-{key}"
    )
    order.status, order.technician_id = status, technician
    if technician is not None:
        order.planned_start = T0 + timedelta(minutes=30 * (int(key.split("-")[1]) % 16))
    return order


def rebuilt(db: MemoryDatabase) -> OrderIndex:
    index = OrderIndex()
    for key, order in db.table("orders").items():
        index.replace(key, None, order)
    return index


def assert_queries_match(uow: MemoryUnitOfWork, view: dict[str, WorkOrder]) -> None:
    """Every query answers as a scan of `view` (the orders this unit of work should see) would."""

    def scan(keep: Callable[[WorkOrder], bool]) -> list[str]:
        return [key for key in sorted(view) if keep(view[key])]

    def ids(orders: object) -> list[str]:
        return [o.id for o in orders]  # type: ignore[attr-defined]

    orders = uow.orders
    for tech in [*TECHNICIANS, "T-nobody"]:
        for start, end in ((T0, T0 + timedelta(hours=12)), (T0 + timedelta(hours=2), T0 + timedelta(hours=3))):

            def booked(o: WorkOrder, tech: str = tech, start: datetime = start, end: datetime = end) -> bool:
                slot = o.planned_slot
                return (
                    o.technician_id == tech
                    and o.status in BOOKED_STATUSES
                    and slot is not None
                    and slot.start < end
                    and start < slot.end
                )

            assert ids(orders.booked_for(tech, start=start, end=end)) == scan(booked)
        query = OrderQuery(technician_id=tech, limit=1000)
        assert ids(orders.search(query).items) == scan(lambda o, t=tech: o.technician_id == t)  # type: ignore[misc]
        query = OrderQuery(technician_id=tech, statuses=BOOKED_STATUSES, limit=1000)
        expected = scan(lambda o, t=tech: o.technician_id == t and o.status in BOOKED_STATUSES)  # type: ignore[misc]
        assert ids(orders.search(query).items) == expected
    for wanted in (BOOKED_STATUSES, frozenset({OrderStatus.NEW}), frozenset({OrderStatus.COMPLETED})):
        query = OrderQuery(statuses=wanted, limit=1000, sort="planned_start")
        expected_set = scan(lambda o, w=wanted: o.status in w)  # type: ignore[misc]
        found = orders.search(query)
        assert sorted(ids(found.items)) == expected_set and found.total == len(expected_set)
    assert ids(orders.search(OrderQuery(limit=1000)).items) == sorted(view, key=lambda k: (view[k].created_at, k))
    assert ids(orders.open_orders()) == scan(lambda o: o.status in OPEN_STATUSES)
    for key in [*list(view)[:5], "wo-missing"]:
        found_order = orders.get_by_tracking_token(f"tok-{key}")
        assert (found_order.id if found_order else None) == (key if key in view else None)


@pytest.mark.parametrize("store", STORES, ids=["memory", "simulation"])
def test_queries_see_the_unit_of_works_own_changes_and_nothing_uncommitted_of_others(store: Store) -> None:
    db = MemoryDatabase()
    with store(db) as uow:
        for n in range(6):
            uow.orders.add(an_order(f"wo-{n}", technician=TECHNICIANS[n % 3], status=OrderStatus.ASSIGNED))
        uow.commit()
    with store(db) as uow:
        moved = uow.orders.get("wo-0")
        assert moved is not None
        moved.technician_id = "T-2"  # reassigned, not committed yet
        gone = uow.orders.get("wo-1")
        assert gone is not None
        uow.orders.delete(gone)
        uow.orders.add(an_order("wo-9", technician="T-1", status=OrderStatus.ASSIGNED))
        assert [o.id for o in uow.orders.search(OrderQuery(technician_id="T-1")).items] == ["wo-3", "wo-9"]
        assert [o.id for o in uow.orders.search(OrderQuery(technician_id="T-2")).items] == ["wo-0", "wo-4"]
        assert [o.id for o in uow.orders.booked_for("T-1", start=T0, end=T0 + timedelta(hours=9))] == ["wo-3", "wo-9"]
        with store(db) as other:  # sees the committed state only
            assert [o.id for o in other.orders.search(OrderQuery(technician_id="T-1")).items] == ["wo-0", "wo-3"]
            assert [o.id for o in other.orders.search(OrderQuery(technician_id="T-2")).items] == ["wo-1", "wo-4"]
        uow.commit()
    assert db.order_index == rebuilt(db)
    assert db.order_index.technician("T-1") == {"wo-3", "wo-9"}
    assert db.order_index.technician("T-2") == {"wo-0", "wo-4"}


@pytest.mark.parametrize("store", STORES, ids=["memory", "simulation"])
def test_a_rolled_back_or_refused_commit_leaves_the_index_as_it_was(store: Store) -> None:
    db = MemoryDatabase()
    with store(db) as uow:
        uow.orders.add(an_order("wo-1", technician="T-1", status=OrderStatus.ASSIGNED))
        uow.commit()
    before = rebuilt(db)
    with store(db) as uow:
        order = uow.orders.get("wo-1")
        assert order is not None
        order.technician_id, order.status = "T-2", OrderStatus.ACCEPTED
        uow.orders.add(an_order("wo-2", technician="T-2"))
        # leaving without commit rolls back
    assert db.order_index == before
    stale, fresh = store(db), store(db)
    with stale, fresh:
        mine = stale.orders.get("wo-1")
        theirs = fresh.orders.get("wo-1")
        assert mine is not None and theirs is not None
        theirs.technician_id, theirs.version = "T-3", theirs.version + 1
        fresh.commit()
        mine.technician_id, mine.version = "T-2", mine.version + 1
        with pytest.raises(Conflict):
            stale.commit()
    assert db.order_index == rebuilt(db)
    assert db.order_index.technician("T-3") == {"wo-1"} and db.order_index.technician("T-2") == set()


@pytest.mark.parametrize("store", STORES, ids=["memory", "simulation"])
@pytest.mark.parametrize("seed", range(6))
def test_random_changes_keep_the_index_and_every_query_exact(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    db = MemoryDatabase()
    created = 0
    for _ in range(40):
        committed = {k: v for k, v in db.table("orders").items()}
        with store(db) as uow:
            view = dict(committed)  # what this unit of work should see
            for _ in range(rng.randint(1, 4)):
                choice = rng.random()
                if choice < 0.3 or not view:
                    key = f"wo-{created}"
                    created += 1
                    tech = rng.choice([None, *TECHNICIANS])
                    status = OrderStatus.NEW if tech is None else rng.choice(STATUSES[1:])
                    order = an_order(key, technician=tech, status=status)
                    uow.orders.add(order)
                    view[key] = order
                    continue
                key = rng.choice(sorted(view))
                order = uow.orders.get(key)
                assert order is not None
                if choice < 0.4:
                    uow.orders.delete(order)
                    del view[key]
                    continue
                if choice < 0.7:  # reassigned, re-timed
                    order.technician_id = rng.choice(TECHNICIANS)
                    order.status = rng.choice(sorted(BOOKED_STATUSES))
                    order.planned_start = T0 + timedelta(minutes=15 * rng.randint(0, 40))
                elif choice < 0.85:  # back to the pool
                    order.technician_id, order.status, order.planned_start = None, OrderStatus.NEW, None
                else:
                    order.status = rng.choice(STATUSES)
                order.version += 1
                view[key] = order
            assert_queries_match(uow, view)
            if rng.random() < 0.75:
                uow.commit()
                committed = view
        assert db.order_index == rebuilt(db)
        assert sorted(db.table("orders")) == sorted(committed)
        with store(db) as reader:
            assert_queries_match(reader, {k: v for k, v in db.table("orders").items()})


@pytest.mark.parametrize("store", STORES, ids=["memory", "simulation"])
def test_a_commit_writes_back_only_what_changed(store: Store) -> None:
    db = MemoryDatabase()
    with store(db) as uow:
        for n in range(3):
            uow.orders.add(an_order(f"wo-{n}", technician="T-1", status=OrderStatus.ASSIGNED))
        uow.commit()
    stored = dict(db.table("orders"))
    with store(db) as uow:
        read = uow.orders.search(OrderQuery(technician_id="T-1")).items
        assert len(read) == 3
        changed = uow.orders.get("wo-1")
        assert changed is not None
        changed.status, changed.version = OrderStatus.ACCEPTED, changed.version + 1
        uow.commit()
    table = db.table("orders")
    assert table["wo-0"] is stored["wo-0"] and table["wo-2"] is stored["wo-2"]
    assert table["wo-1"] is not stored["wo-1"] and table["wo-1"].status is OrderStatus.ACCEPTED
    assert db.order_index.statuses([OrderStatus.ACCEPTED]) == {"wo-1"}
