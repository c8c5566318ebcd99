"""Re-planning through the service layer: snapshot, solve, stability, pins, promises, versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.values import Location, Priority, SkillRequirement
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from fieldpilot.service.replan import greedy_fill
from fieldpilot.service.unit_of_work import OrderQuery
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services


def populate(services: Services, *, orders: int) -> list[str]:
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    for i, (lat, lon) in enumerate([(48.86, 2.35), (48.80, 2.25), (48.90, 2.45)]):
        bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id=f"T-{i}", home_base=Location(lat, lon))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    ids = []
    for i in range(orders):
        site = a_site(id=f"S-{i}", location=Location(48.80 + 0.01 * i, 2.25 + 0.015 * (i % 7)))
        bus.handle(cmd.CreateResource(ResourceKind.SITE, site))
        created = bus.handle(
            cmd.CreateWorkOrder(
                customer_id="C-1",
                site_id=site.id,
                service_type="boiler-repair",
                required_skills=(SkillRequirement("boiler", 1),),
                priority=Priority.P2 if i % 3 == 0 else Priority.P3,
                estimated_duration_minutes=45,
            )
        )
        ids.append(str(created["id"]))
    return ids


def statuses(services: Services, clock: FixedClock) -> dict[str, Any]:
    page = queries.list_orders(services.uow_factory, OrderQuery(limit=1000, now=clock.now()))
    return {str(o["id"]): o for o in page.items}


def test_replan_assigns_waiting_orders_and_emits_plan_changed() -> None:
    services, clock = memory_services()
    ids = populate(services, orders=9)
    result = services.bus.handle(cmd.Replan(trigger="periodic"))
    assert result["applied"] is True and result["assigned"] == 9
    orders = statuses(services, clock)
    assert all(orders[i]["status"] == "assigned" and orders[i]["eta_window"] for i in ids)
    with services.uow_factory() as uow:
        assert [m.name for m in uow.outbox.pending(limit=10_000)].count("PlanChanged") == 1


def test_a_second_replan_with_nothing_to_gain_changes_nothing() -> None:
    services, clock = memory_services()
    populate(services, orders=6)
    services.bus.handle(cmd.Replan())
    before = statuses(services, clock)
    result = services.bus.handle(cmd.Replan())
    assert result["applied"] is False
    assert statuses(services, clock) == before


def test_visits_under_way_stay_with_their_technician() -> None:
    services, clock = memory_services()
    ids = populate(services, orders=6)
    services.bus.handle(cmd.Replan())
    order = statuses(services, clock)[ids[0]]
    for action in ("accept", "start_travel"):
        order = services.bus.handle(
            cmd.TransitionWorkOrder(order_id=ids[0], action=action, expected_version=int(order["version"]))
        )
    technician = order["technician_id"]
    services.bus.handle(
        cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-next-door", home_base=Location(48.80, 2.25)))
    )
    services.bus.handle(cmd.Replan(trigger="technician added"))
    assert statuses(services, clock)[ids[0]]["technician_id"] == technician
    assert statuses(services, clock)[ids[0]]["status"] == "en_route"


def test_a_plan_is_refused_whole_when_an_order_changed_during_the_solve() -> None:
    services: Services
    ids: list[str] = []

    def meddling_solver(problem: DispatchProblem, *, params: DispatchParams, **budget: Any) -> Plan:
        order = queries.get_order(services.uow_factory, ids[0], now=clock.now())
        services.bus.handle(
            cmd.UpdateWorkOrder(
                order_id=ids[0], changes={"description": "changed"}, expected_version=int(order["version"])
            )
        )
        return plan_of(greedy_fill(problem, params=params), params=params)

    services, clock = memory_services(solver=meddling_solver)
    ids.extend(populate(services, orders=4))
    with pytest.raises(Conflict):
        services.bus.handle(cmd.Replan())
    assert all(o["status"] == "new" for o in statuses(services, clock).values())


@pytest.mark.parametrize("locked", [True, False])
def test_a_locked_assignment_stays_and_an_unlocked_one_moves_to_a_better_technician(locked: bool) -> None:
    services, clock = memory_services()
    ids = populate(services, orders=1)
    far = "T-2"  # home at (48.90, 2.45); the site is at (48.80, 2.25), next door to T-1
    order = statuses(services, clock)[ids[0]]
    start = (clock.now() + timedelta(hours=2)).replace(microsecond=0)
    order = services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=ids[0],
            action="assign",
            expected_version=int(order["version"]),
            technician_id=far,
            planned_start=start,
        )
    )
    services.bus.handle(
        cmd.UpdateWorkOrder(order_id=ids[0], changes={"locked": locked}, expected_version=int(order["version"]))
    )
    services.bus.handle(cmd.Replan(trigger="periodic"))
    moved_to = statuses(services, clock)[ids[0]]["technician_id"]
    assert (moved_to == far) is locked


def test_a_replan_mid_shift_with_a_visit_under_way_since_before_now_solves() -> None:
    services, clock = memory_services()
    ids = populate(services, orders=6)
    clock.advance(hours=1)  # shifts started at 08:00, now is 10:00
    services.bus.handle(cmd.Replan())
    order = statuses(services, clock)[ids[0]]
    for action in ("accept", "start_travel", "arrive"):
        order = services.bus.handle(
            cmd.TransitionWorkOrder(order_id=ids[0], action=action, expected_version=int(order["version"]))
        )
    clock.advance(hours=2)  # on site far longer than planned: the visit started before "now"
    result = services.bus.handle(cmd.Replan(trigger="late"))
    assert result["solver"].startswith(("solver", "greedy"))  # the model took the snapshot (no negative window)
    assert statuses(services, clock)[ids[0]]["status"] == "on_site"


def test_promises_that_can_no_longer_be_kept_are_replaced_by_honest_ones() -> None:
    services, clock = memory_services()
    populate(services, orders=4)
    services.bus.handle(cmd.Replan())
    promised = statuses(services, clock)
    clock.advance(hours=5)  # nobody moved: the morning's promises are broken
    result = services.bus.handle(cmd.Replan(trigger="late"))
    assert result["applied"] is True and result["eta_changes"] >= 1
    now = clock.now().isoformat()
    for order_id, order in statuses(services, clock).items():
        assert order["eta_window"]["end"] > now, order_id  # no stale promise is left standing
        assert order["eta_window"] != promised[order_id]["eta_window"]
