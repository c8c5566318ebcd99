"""Dispatch through the service layer: snapshot -> engine -> booking -> stored decision record."""

from __future__ import annotations

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import DispatchChoice, ResourceKind
from fieldpilot.domain.errors import IllegalTransition, InvalidInput
from fieldpilot.domain.values import Location, SkillRequirement
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services

PARIS = Location(48.8566, 2.3522)


@pytest.fixture
def world() -> tuple[Services, FixedClock]:
    services, clock = memory_services(auto_dispatch=True)
    bus = services.bus
    for code in ("boiler", "electrical"):
        bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill(code)))
    near = Location(48.86, 2.35)
    far = Location(48.70, 2.10)
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-near", home_base=near)))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-far", first_name="Bo", home_base=far)))
    bus.handle(
        cmd.CreateResource(
            ResourceKind.TECHNICIAN,
            a_technician(id="T-elec", first_name="Cy", home_base=near, skills={"electrical": 4}),
        )
    )
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=PARIS)))
    return services, clock


def create(services: Services, **overrides: object) -> str:
    fields: dict[str, object] = {
        "customer_id": "C-1",
        "site_id": "S-1",
        "service_type": "boiler-repair",
        "required_skills": (SkillRequirement("boiler", 2),),
    }
    fields.update(overrides)
    return str(services.bus.handle(cmd.CreateWorkOrder(**fields))["id"])  # type: ignore[arg-type]


def test_new_order_goes_to_the_nearest_qualified_technician_with_an_eta_and_a_record(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order_id = create(services)
    order = queries.get_order(services.uow_factory, order_id, now=clock.now())
    assert order["status"] == "assigned" and order["technician_id"] == "T-near"
    assert order["planned_start"] is not None and order["eta_window"] is not None
    [decision] = queries.decisions_for(services.uow_factory, order_id)
    assert decision["outcome"] == "assigned"
    assert decision["winner"]["technician_id"] == "T-near"
    assert [r["technician_id"] for r in decision["runners_up"]] == ["T-far"]
    rejected = {r["technician_id"]: r for r in decision["rejected"]}
    assert rejected["T-elec"]["codes"] == ["SKILL_MISSING"]
    history = queries.order_history(services.uow_factory, order_id)
    assert history[-1]["actor"] == "engine"


def test_order_nobody_can_take_stays_new_with_what_would_unblock_it(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order_id = create(services, required_skills=(SkillRequirement("boiler", 5),))
    order = queries.get_order(services.uow_factory, order_id, now=clock.now())
    assert order["status"] == "new"
    [decision] = queries.decisions_for(services.uow_factory, order_id)
    assert decision["outcome"] == "unassigned"
    assert decision["unblock"], decision
    assert "boiler" in decision["summary"]


def test_second_order_keeps_the_first_orders_promised_window(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    first = create(services)
    promised = queries.get_order(services.uow_factory, first, now=clock.now())["eta_window"]
    for _ in range(4):
        create(services)
    after = queries.get_order(services.uow_factory, first, now=clock.now())
    assert after["eta_window"] == promised
    start = after["planned_start"]
    assert promised["start"] <= start < promised["end"]  # type: ignore[index]


def test_forced_assignment_that_breaks_a_rule_needs_a_reason(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    services.bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("hvac")))
    order_id = create(services, required_skills=(SkillRequirement("hvac", 1),))
    forced = cmd.DispatchOrder(order_id=order_id, mode=DispatchChoice.FORCE, technician_id="T-elec")
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(forced)
    assert caught.value.field == "reason" and "hvac" in caught.value.reason
    result = services.bus.handle(
        cmd.DispatchOrder(
            order_id=order_id, mode=DispatchChoice.FORCE, technician_id="T-elec", reason="trained on site"
        )
    )
    assert result["order"]["technician_id"] == "T-elec"
    assert result["decision"]["broken"]


def test_dispatching_an_assigned_order_is_an_illegal_transition(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order_id = create(services)
    with pytest.raises(IllegalTransition):
        services.bus.handle(cmd.DispatchOrder(order_id=order_id))


def test_dispatch_respects_the_shift_end(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    clock.advance(hours=7, minutes=50)  # 16:50, shifts end at 17:00
    order_id = create(services, estimated_duration_minutes=120)
    order = queries.get_order(services.uow_factory, order_id, now=clock.now())
    assert order["status"] == "new"
    [decision] = queries.decisions_for(services.uow_factory, order_id)
    assert decision["outcome"] == "unassigned"


def test_a_reported_position_makes_the_technician_start_from_there(
    world: tuple[Services, FixedClock],
) -> None:
    services, _ = world
    services.bus.handle(cmd.ReportPosition(technician_id="T-far", location=Location(48.8567, 2.3523)))
    order_id = create(services)
    [decision] = queries.decisions_for(services.uow_factory, order_id)
    candidates = [decision["winner"], *decision["runners_up"]]
    far = next(c for c in candidates if c["technician_id"] == "T-far")
    assert far["cost"]["added_travel_seconds"] == 0  # already there: no driving added


def test_a_position_far_behind_plan_reports_the_technician_late(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order_id = create(services)
    services.bus.handle(cmd.ReportPosition(technician_id="T-near", location=Location(48.2, 1.5)))
    with services.uow_factory() as uow:
        late = [m.payload for m in uow.outbox.pending(limit=1000) if m.name == "TechnicianRunningLate"]
    assert late and late[0]["order_id"] == order_id and late[0]["late_seconds"] > 900


def test_positions_from_the_future_are_refused(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(
            cmd.ReportPosition(technician_id="T-near", location=PARIS, at=clock.now().replace(year=2030))
        )
    assert caught.value.field == "at"
