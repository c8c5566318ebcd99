"""Optimistic concurrency, unique keys and double booking, against real databases."""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from fieldpilot.domain.errors import AlreadyExists, Conflict, SlotTaken
from fieldpilot.domain.events import ResourceChanged
from fieldpilot.domain.work_order import OrderStatus
from tests.integration.storage import builders as b

# On SQLite a unit of work holds the write lock from its first statement to its end, so a second
# one cannot even start meanwhile. The stale writer is therefore set up the way it happens on
# both backends: it loads, ends its transaction (objects stay loaded), another unit of work
# commits a change, then the first one writes what it loaded earlier.


def test_second_writer_of_a_stale_version_gets_conflict(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.technicians.add(b.a_technician())
        uow.commit()

    with sql_uow_factory() as stale:
        mine = stale.technicians.get("tech-1")
        stale.commit()
        with sql_uow_factory() as other:
            theirs = other.technicians.get("tech-1")
            theirs.first_name = "Theirs"
            theirs.version += 1
            other.commit()
        mine.first_name = "Mine"
        mine.version += 1
        with pytest.raises(Conflict, match="technician was changed or deleted by someone else"):
            stale.commit()

    with sql_uow_factory() as uow:
        stored = uow.technicians.get("tech-1")
        assert (stored.first_name, stored.version) == ("Theirs", 2)


def test_failed_commit_writes_nothing(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.customers.add(b.a_customer())
        uow.commit()

    with sql_uow_factory() as stale:
        customer, order = stale.customers.get("cust-1"), stale.orders.get("wo-1")
        stale.commit()
        with sql_uow_factory() as other:
            other.orders.get("wo-1").version += 1
            other.commit()
        customer.name = "Renamed"
        customer.version += 1
        order.description = "stale edit"
        order.version += 1
        stale.idempotency.add(b.an_idempotency_record())
        stale.decisions.add(b.a_decision())
        stale.record(ResourceChanged("customer", "cust-1", "updated"))
        with pytest.raises(Conflict):
            stale.commit()

    with sql_uow_factory() as uow:
        assert uow.customers.get("cust-1").name == "ACME"
        assert uow.orders.get("wo-1").description == "Boiler makes a noise"
        assert uow.idempotency.get("user-1:POST /orders", "k-1") is None
        assert uow.decisions.for_order("wo-1") == []
        assert uow.outbox.pending() == []


def test_deleting_a_changed_object_gets_conflict(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.parts.add(b.a_part())
        uow.commit()
    with sql_uow_factory() as stale:
        part = stale.parts.get("filter-a")
        stale.commit()
        with sql_uow_factory() as other:
            other.parts.get("filter-a").version += 1
            other.commit()
        stale.parts.delete(part)
        with pytest.raises(Conflict):
            stale.commit()


def test_replacing_a_policy_someone_else_replaced_gets_conflict(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.sla_policies.add(b.an_sla_policy())
        uow.commit()
    with sql_uow_factory() as stale:
        policy = stale.sla_policies.get("gold")
        stale.commit()
        with sql_uow_factory() as other:
            other.sla_policies.add(replace(other.sla_policies.get("gold"), name="Gold 2"))
            other.commit()
        stale.sla_policies.add(replace(policy, name="Gold 3"))
        with pytest.raises(Conflict, match="SLA policy gold was changed"):
            stale.commit()
    with sql_uow_factory() as uow:
        assert uow.sla_policies.get("gold").name == "Gold 2"


def test_changing_an_api_key_someone_else_changed_gets_conflict(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.api_keys.add(b.an_api_key())
        uow.commit()
    with sql_uow_factory() as stale:
        key = stale.api_keys.get("key-1")
        stale.commit()
        with sql_uow_factory() as other:
            other.api_keys.get("key-1").revoked = True
            other.commit()
        key.name = "renamed"
        with pytest.raises(Conflict):
            stale.commit()


@pytest.mark.parametrize(
    ("repository", "build", "duplicate", "message"),
    [
        ("orders", b.a_work_order, {"tracking_token": "tok-other"}, "work order wo-1 already exists"),
        ("orders", b.a_work_order, {"id": "wo-2", "tracking_token": "tok-wo-1"}, "tracking_token=tok-wo-1"),
        ("users", b.a_user, {"id": "user-2"}, "user with username=dispatch already exists"),
        ("api_keys", b.an_api_key, {"id": "key-2"}, "prefix=fpk_abc"),
        ("skills", b.a_skill, {}, "skill hvac already exists"),
        ("sla_policies", b.an_sla_policy, {}, "SLA policy gold already exists"),
    ],
)
def test_taken_unique_key_gives_already_exists(sql_uow_factory, repository, build, duplicate, message):
    with sql_uow_factory() as uow:
        getattr(uow, repository).add(build())
        uow.commit()
    with sql_uow_factory() as uow:
        getattr(uow, repository).add(build(**duplicate))
        with pytest.raises(AlreadyExists, match=message):
            uow.commit()


def test_same_idempotency_key_twice_gives_conflict(sql_uow_factory):
    with sql_uow_factory() as first, sql_uow_factory() as second:
        first.idempotency.add(b.an_idempotency_record())
        second.idempotency.add(b.an_idempotency_record(fingerprint="other"))
        first.commit()
        with pytest.raises(Conflict, match="Idempotency-Key 'k-1' is being used by a concurrent request"):
            second.commit()
    with sql_uow_factory() as uow:
        assert uow.idempotency.get("user-1:POST /orders", "k-1") == b.an_idempotency_record()
        assert uow.idempotency.get("user-2:POST /orders", "k-1") is None


def _book(uow_factory, *, order_id, technician_id, start, started, pause):
    """What the assign handler does: lock the technician, look for a clash, book, commit."""
    with uow_factory() as uow:
        started.wait(timeout=10)  # both units of work are open before either reads
        order = uow.orders.get(order_id)
        technician = uow.technicians.lock(technician_id)
        assert technician is not None
        order.planned_start = start
        slot = order.planned_slot
        for other in uow.orders.booked_for(technician_id, start=slot.start, end=slot.end):
            if other.id != order.id:
                raise SlotTaken(technician_id=technician_id, order_id=other.id)
        order.technician_id = technician_id
        order.status = OrderStatus.ASSIGNED
        order.version += 1
        time.sleep(pause)  # widen the window in which the other booking could slip in
        uow.commit()


def test_two_concurrent_bookings_of_one_slot_let_exactly_one_through(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.technicians.add(b.a_technician())
        for order_id in ("wo-a", "wo-b"):
            uow.orders.add(b.a_work_order(id=order_id, status=OrderStatus.NEW, technician_id=None, planned_start=None))
        uow.commit()

    started = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(order_id: str) -> None:
        try:
            _book(
                sql_uow_factory,
                order_id=order_id,
                technician_id="tech-1",
                start=b.T0 + timedelta(hours=3),
                started=started,
                pause=0.2,
            )
            outcomes[order_id] = "booked"
        except Exception as error:  # the outcome is what the test checks
            outcomes[order_id] = error

    threads = [threading.Thread(target=run, args=(order_id,)) for order_id in ("wo-a", "wo-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    booked = [k for k, v in outcomes.items() if v == "booked"]
    refused = [v for v in outcomes.values() if v != "booked"]
    assert len(booked) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], SlotTaken), outcomes
    with sql_uow_factory() as uow:
        slot = {"start": b.T0, "end": b.T0 + timedelta(days=1)}
        assert [o.id for o in uow.orders.booked_for("tech-1", **slot)] == booked


def test_many_concurrent_bookings_never_overlap(sql_uow_factory):
    rng = random.Random(11)
    slots = {f"wo-{n}": b.T0 + timedelta(minutes=rng.choice(range(0, 8 * 60, 30))) for n in range(8)}
    with sql_uow_factory() as uow:
        uow.technicians.add(b.a_technician())
        for order_id in slots:
            uow.orders.add(
                b.a_work_order(id=order_id, status=OrderStatus.NEW, technician_id=None, planned_start=None, history=[])
            )
        uow.commit()

    started = threading.Barrier(len(slots))
    outcomes: dict[str, object] = {}

    def run(order_id: str) -> None:
        try:
            _book(
                sql_uow_factory,
                order_id=order_id,
                technician_id="tech-1",
                start=slots[order_id],
                started=started,
                pause=0.01,
            )
            outcomes[order_id] = "booked"
        except Exception as error:  # the outcome is what the test checks
            outcomes[order_id] = error

    threads = [threading.Thread(target=run, args=(order_id,)) for order_id in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(v == "booked" or isinstance(v, SlotTaken) for v in outcomes.values()), outcomes
    with sql_uow_factory() as uow:
        day = {"start": b.T0 - timedelta(days=1), "end": b.T0 + timedelta(days=1)}
        booked = sorted((o.planned_start, o.planned_end) for o in uow.orders.booked_for("tech-1", **day))
    assert len(booked) == sum(v == "booked" for v in outcomes.values()) >= 1
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(booked))
