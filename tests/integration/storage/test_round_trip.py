"""Every entity, with every value object, comes back from the database as it went in."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from fieldpilot.domain.work_order import HistoryEntry, OrderStatus, WorkOrder
from fieldpilot.service.unit_of_work import OrderQuery
from tests.integration.storage import builders as b

PARIS = timezone(timedelta(hours=1))


def field_values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name != "events"}


@pytest.mark.parametrize(
    ("repository", "build", "key"),
    [
        ("skills", b.a_skill, "hvac"),
        ("technicians", b.a_technician, "tech-1"),
        ("customers", b.a_customer, "cust-1"),
        ("sites", b.a_site, "site-1"),
        ("assets", b.an_asset, "asset-1"),
        ("parts", b.a_part, "filter-a"),
        ("warehouses", b.a_warehouse, "wh-1"),
        ("users", b.a_user, "user-1"),
        ("api_keys", b.an_api_key, "key-1"),
        ("sla_policies", b.an_sla_policy, "gold"),
        ("orders", b.a_work_order, "wo-1"),
        ("triage_rules", b.a_triage_rule, "rule-1"),
        ("triage_rules", lambda: b.a_triage_rule(required_skills=None, tier=None, keywords=()), "rule-1"),
        ("triage_rules", lambda: b.a_triage_rule(required_skills=()), "rule-1"),
    ],
)
def test_entity_comes_back_with_every_value(sql_uow_factory, repository, build, key):
    original = build()
    expected = field_values(original)
    with sql_uow_factory() as uow:
        getattr(uow, repository).add(original)
        uow.commit()

    with sql_uow_factory() as uow:
        loaded = getattr(uow, repository).get(key)
        assert loaded is not None
        assert field_values(loaded) == expected
        assert getattr(uow, repository).count() == 1
        assert getattr(uow, repository).list() == [loaded]


def test_missing_key_gives_none(sql_uow_factory):
    with sql_uow_factory() as uow:
        assert uow.orders.get("nope") is None
        assert uow.sla_policies.get("nope") is None
        assert uow.technicians.lock("nope") is None


def test_loaded_order_has_no_events_and_its_history_in_order(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.commit()

    with sql_uow_factory() as uow:
        order = uow.orders.get("wo-1")
        assert order.events == []
        assert [h.action for h in order.history] == ["create", "assign"]
        order.history.append(
            HistoryEntry(b.T0 + timedelta(hours=2), "tech", "accept", OrderStatus.ASSIGNED, OrderStatus.ACCEPTED)
        )
        order.status = OrderStatus.ACCEPTED
        order.version += 1
        uow.commit()

    with sql_uow_factory() as uow:
        (order,) = uow.orders.search(b_query()).items
        assert [h.action for h in order.history] == ["create", "assign", "accept"]
        assert (
            order.history[2].from_status is OrderStatus.ACCEPTED or order.history[2].to_status is OrderStatus.ACCEPTED
        )


def b_query():

    return OrderQuery()


def test_times_come_back_aware_utc_whatever_offset_went_in(sql_uow_factory):
    created = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=PARIS)
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order(created_at=created, planned_start=None, milestones={"x": created}))
        uow.commit()

    with sql_uow_factory() as uow:
        order = uow.orders.get("wo-1")
        assert order.created_at == created
        assert order.created_at.tzinfo is UTC
        assert order.milestones["x"].tzinfo is UTC
        assert order.planned_start is None


def test_naive_datetime_is_refused(sql_uow_factory):
    with sql_uow_factory() as uow:
        order = b.a_work_order()
        order.updated_at = datetime(2026, 1, 1)
        uow.orders.add(order)
        with pytest.raises(Exception, match="naive datetime"):
            uow.commit()


def test_in_place_changes_of_dicts_and_lists_are_written(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.technicians.add(b.a_technician())
        uow.orders.add(b.a_work_order())
        uow.commit()

    with sql_uow_factory() as uow:
        technician = uow.technicians.get("tech-1")
        technician.van_stock["filter-a"] -= 2
        technician.skills["plumbing"] = 1
        order = uow.orders.get("wo-1")
        order.sla_log.append(order.sla_log[0])
        order.custom_fields["floor"] = 4
        uow.commit()

    with sql_uow_factory() as uow:
        assert uow.technicians.get("tech-1").van_stock == {"filter-a": 2, "fuse-10a": 12}
        assert uow.technicians.get("tech-1").skills["plumbing"] == 1
        order = uow.orders.get("wo-1")
        assert len(order.sla_log) == 3
        assert order.custom_fields["floor"] == 4


def test_changing_the_slot_moves_planned_end(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.commit()
    with sql_uow_factory() as uow:
        order = uow.orders.get("wo-1")
        order.planned_start = b.T0 + timedelta(hours=6)
        order.estimated_duration_minutes = 30
        order.version += 1
        uow.commit()
    with sql_uow_factory() as uow:
        window = {
            "start": b.T0 + timedelta(hours=6, minutes=15),
            "end": b.T0 + timedelta(hours=6, minutes=20),
        }
        assert [o.id for o in uow.orders.booked_for("tech-1", **window)] == ["wo-1"]
        window = {"start": b.T0 + timedelta(hours=6, minutes=30), "end": b.T0 + timedelta(hours=7)}
        assert uow.orders.booked_for("tech-1", **window) == []


def test_deleted_object_is_gone_with_its_history(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order())
        uow.sla_policies.add(b.an_sla_policy())
        uow.commit()
    with sql_uow_factory() as uow:
        uow.orders.delete(uow.orders.get("wo-1"))
        uow.sla_policies.delete(uow.sla_policies.get("gold"))
        assert uow.orders.get("wo-1") is None
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.orders.get("wo-1") is None
        assert uow.orders.count() == 0
        assert uow.sla_policies.count() == 0


def test_decisions_come_back_for_their_order(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.decisions.add(b.a_decision())
        uow.decisions.add(b.a_decision(id="dec-2", created_at=b.T0 + timedelta(minutes=1), kind="replan"))
        uow.decisions.add(b.a_decision(id="dec-3", order_id="wo-2"))
        assert [d.id for d in uow.decisions.for_order("wo-1")] == ["dec-1", "dec-2"]
        uow.commit()
    with sql_uow_factory() as uow:
        found = uow.decisions.for_order("wo-1")
        assert [d.id for d in found] == ["dec-1", "dec-2"]
        assert found[0] == b.a_decision()


def test_work_order_is_a_plain_domain_object_after_commit(sql_uow_factory):
    with sql_uow_factory() as uow:
        order = b.a_work_order()
        uow.orders.add(order)
        uow.commit()
    assert isinstance(order, WorkOrder)
    assert order.version == 1
    assert order.history[-1].action == "assign"


def test_objects_added_in_a_unit_of_work_are_found_in_it(sql_uow_factory):
    with sql_uow_factory() as uow:
        order = b.a_work_order()
        uow.orders.add(order)
        uow.technicians.add(b.a_technician())
        policy = b.an_sla_policy()
        uow.sla_policies.add(policy)
        assert uow.orders.get("wo-1") is order
        assert uow.technicians.lock("tech-1") is not None
        assert uow.orders.get_by_tracking_token("tok-wo-1") is order
        assert uow.sla_policies.get("gold") is policy
        assert uow.sla_policies.list() == [policy]
        assert uow.orders.count() == 1
    with sql_uow_factory() as uow:
        assert uow.orders.get("wo-1") is None
        assert uow.sla_policies.get("gold") is None


def test_queries_compare_instants_whatever_offset_they_are_given_in(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.orders.add(b.a_work_order(created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))
        uow.commit()
    nine_in_paris = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)  # the same instant
    with sql_uow_factory() as uow:
        assert uow.orders.search(OrderQuery(created_from=nine_in_paris)).total == 1
        assert uow.orders.search(OrderQuery(created_to=nine_in_paris)).total == 0
        slot = {"start": b.T0 + timedelta(hours=3, minutes=29), "end": b.T0 + timedelta(hours=4)}
        assert uow.orders.booked_for("tech-1", **{k: v.astimezone(PARIS) for k, v in slot.items()})
