"""Re-planning through the service layer: snapshot, solve, stability, pins, promises, versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.values import CustomerTier, Location, Priority, SkillRequirement
from fieldpilot.engine.insertion import plan_of
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem, PinKind
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock, StraightLineTravel
from fieldpilot.service.replan import greedy_fill
from fieldpilot.service.snapshot import build_snapshot
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
        services.bus.handle(cmd.Replan(use_solver=True))
    assert all(o["status"] == "new" for o in statuses(services, clock).values())


def _booked_on_the_far_technician(services: Services, clock: FixedClock, order_id: str, *, hours: float = 2) -> Any:
    order = statuses(services, clock)[order_id]
    start = (clock.now() + timedelta(hours=hours)).replace(microsecond=0)
    return services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=order_id,
            action="assign",
            expected_version=int(order["version"]),
            technician_id="T-2",  # home at (48.90, 2.45); the site is at (48.80, 2.25), next door to T-1
            planned_start=start,
        )
    )


@pytest.mark.parametrize(
    ("changes", "stays", "keeps_start"),
    [
        ({"locked": True}, True, None),
        ({"lock": "assignment"}, True, None),
        ({"lock": "time"}, True, True),
        ({"locked": False}, False, False),
        ({"lock": "none"}, False, False),
    ],
)
def test_a_locked_assignment_stays_and_an_unlocked_one_moves_to_a_better_technician(
    changes: dict[str, Any], stays: bool, keeps_start: bool | None
) -> None:
    """(An assignment lock says nothing about the start: it is re-timed only when the plan changes.)"""
    services, clock = memory_services()
    ids = populate(services, orders=1)
    order = _booked_on_the_far_technician(services, clock, ids[0])
    services.bus.handle(cmd.UpdateWorkOrder(order_id=ids[0], changes=changes, expected_version=int(order["version"])))
    services.bus.handle(cmd.Replan(trigger="periodic"))
    after = statuses(services, clock)[ids[0]]
    assert (after["technician_id"] == "T-2") is stays
    if keeps_start is not None:
        assert (after["planned_start"] == order["planned_start"]) is keeps_start


def test_a_time_lock_pins_the_visit_while_its_start_is_ahead_and_locks_the_assignment_after() -> None:
    services, clock = memory_services()
    ids = populate(services, orders=1)
    order = _booked_on_the_far_technician(services, clock, ids[0])
    services.bus.handle(
        cmd.UpdateWorkOrder(order_id=ids[0], changes={"lock": "time"}, expected_version=int(order["version"]))
    )

    def pin() -> PinKind | None:
        with services.uow_factory() as uow:
            problem = build_snapshot(uow, now=clock.now(), timezone="UTC", travel=StraightLineTravel())
        return next(v.pin for v in problem.technician("T-2").route if v.order_id == ids[0])

    assert pin() is PinKind.LOCKED_TIME
    clock.advance(hours=3)  # the locked start has passed and the technician never set off
    assert pin() is PinKind.LOCKED


def test_a_time_lock_the_technician_cannot_reach_becomes_an_assignment_lock() -> None:
    services, clock = memory_services()
    ids = populate(services, orders=1)
    order = _booked_on_the_far_technician(services, clock, ids[0], hours=0.1)  # 6 minutes, ~30 minutes away
    services.bus.handle(
        cmd.UpdateWorkOrder(order_id=ids[0], changes={"lock": "time"}, expected_version=int(order["version"]))
    )
    result = services.bus.handle(cmd.Replan(trigger="late"))
    assert result["applied"] is True and result["released_time_locks"] == [ids[0]]
    after = statuses(services, clock)[ids[0]]
    assert (after["lock"], after["technician_id"]) == ("assignment", "T-2")
    assert after["planned_start"] > order["planned_start"]


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


def _a_promise_in_the_way(tmp_path: Path, *, promise_break_gain: float) -> tuple[Services, FixedClock, str, Any]:
    """T-0 promised a P4 visit next door for this morning; then a VIP P1 call comes in 18 km away.
    Keeping the promise delays the P1 visit by the promised one; breaking it saves far more waiting."""
    toml = tmp_path / "params.toml"
    toml.write_text(f"[promises]\npromise_break_gain = {promise_break_gain}\n")
    services, clock = memory_services(dispatch_params_path=str(toml))
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-0", home_base=Location(48.85, 2.35))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer(id="C-VIP", tier=CustomerTier.VIP)))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(id="S-A", location=Location(48.852, 2.35))))
    bus.handle(
        cmd.CreateResource(ResourceKind.SITE, a_site(id="S-B", customer_id="C-VIP", location=Location(49.01, 2.35)))
    )

    def order(site: str, customer: str, priority: Priority) -> str:
        created = bus.handle(
            cmd.CreateWorkOrder(
                customer_id=customer,
                site_id=site,
                service_type="boiler-repair",
                required_skills=(SkillRequirement("boiler", 1),),
                priority=priority,
                estimated_duration_minutes=60,
            )
        )
        return str(created["id"])

    promised = order("S-A", "C-1", Priority.P4)
    bus.handle(cmd.Replan())
    before = statuses(services, clock)[promised]
    assert before["technician_id"] == "T-0" and before["eta_window"] is not None
    order("S-B", "C-VIP", Priority.P1)
    return services, clock, promised, before


def _pending(services: Services, name: str) -> list[Any]:
    with services.uow_factory() as uow:
        return [m for m in uow.outbox.pending(limit=10_000) if m.name == name]


def test_a_promise_is_kept_when_breaking_it_gains_too_little(tmp_path: Path) -> None:
    services, clock, promised, before = _a_promise_in_the_way(tmp_path, promise_break_gain=1_000_000.0)
    etas = len(_pending(services, "EtaChanged"))
    result = services.bus.handle(cmd.Replan(trigger="new P1"))
    assert result["broken_promises"] == []
    after = statuses(services, clock)[promised]
    assert (after["eta_window"], after["technician_id"]) == (before["eta_window"], "T-0")
    assert after["planned_start"] == before["planned_start"]
    assert len(_pending(services, "EtaChanged")) == etas + (1 if result["applied"] else 0)  # the P1's first ETA


def test_a_promise_moves_with_a_new_eta_when_breaking_it_gains_enough(tmp_path: Path) -> None:
    services, clock, promised, before = _a_promise_in_the_way(tmp_path, promise_break_gain=1000.0)
    result = services.bus.handle(cmd.Replan(trigger="new P1"))
    assert result["applied"] is True and result["broken_promises"] == [promised]
    after = statuses(services, clock)[promised]
    old_end = datetime.fromisoformat(before["eta_window"]["end"])
    assert datetime.fromisoformat(after["planned_start"]) > old_end + timedelta(minutes=15)  # beyond tolerance
    assert after["eta_window"] != before["eta_window"]
    moved = [m for m in _pending(services, "EtaChanged") if m.payload["order_id"] == promised]
    assert moved and moved[-1].payload["eta_start"] == after["eta_window"]["start"]


def test_a_fleet_larger_than_the_limit_is_replanned_around_the_focus_only(tmp_path: Path) -> None:
    toml = tmp_path / "params.toml"
    toml.write_text("[replans]\nreplan_max_technicians = 1\n")
    services, clock = memory_services(dispatch_params_path=str(toml))
    populate(services, orders=9)
    whole = services.bus.handle(cmd.Replan(whole_region=True))
    assert whole["technicians"] == 3 and whole["assigned"] == 9
    before = statuses(services, clock)
    clock.advance(hours=3)  # nobody moved: every morning promise is stale, on every route
    result = services.bus.handle(cmd.Replan(trigger="T-1 late", focus_technicians=("T-1",)))
    assert result["technicians"] == 1 and result["applied"] is True
    after = statuses(services, clock)
    for order_id, order in before.items():
        if order["technician_id"] != "T-1":  # outside the neighbourhood: untouched
            assert after[order_id] == order, order_id
    assert any(
        after[o]["planned_start"] != before[o]["planned_start"] for o in before if before[o]["technician_id"] == "T-1"
    )


def test_the_batch_solver_runs_when_asked_or_when_greedy_leaves_orders_unplanned() -> None:
    calls: list[int] = []

    def counting_solver(problem: DispatchProblem, *, params: DispatchParams, **budget: Any) -> Plan:
        calls.append(len(problem.orders))
        return plan_of(greedy_fill(problem, params=params), params=params)

    services, _ = memory_services(solver=counting_solver)
    populate(services, orders=4)
    services.bus.handle(cmd.Replan())  # greedy places all four: no solve
    assert calls == []
    services.bus.handle(cmd.Replan(use_solver=True))  # with promises made: a second solve without them
    assert calls == [4, 4]
    services.bus.handle(cmd.Replan(use_solver=False))
    assert calls == [4, 4]
    far = a_site(id="S-far", location=Location(43.3, 5.4))  # 660 km away: nobody gets there today
    services.bus.handle(cmd.CreateResource(ResourceKind.SITE, far))
    services.bus.handle(
        cmd.CreateWorkOrder(
            customer_id="C-1",
            site_id=far.id,
            service_type="boiler-repair",
            required_skills=(SkillRequirement("boiler", 1),),
            priority=Priority.P3,
            estimated_duration_minutes=45,
        )
    )
    services.bus.handle(cmd.Replan())
    assert calls[2:] and set(calls[2:]) == {5}
