"""Offer mode (grab pool): the best few technicians are offered an order; the first to grab it
gets it while it fits their day; at expiry it falls back to auto-assign."""

from __future__ import annotations

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import Conflict, IllegalTransition
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import Location, SkillRequirement
from fieldpilot.domain.work_order import DispatchMode
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services


@pytest.fixture
def world() -> tuple[Services, FixedClock]:
    services, clock = memory_services(auto_dispatch=True)
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    for i, (lat, lon) in enumerate([(48.86, 2.35), (48.80, 2.25), (48.90, 2.45), (48.70, 2.10)]):
        bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id=f"T-{i}", home_base=Location(lat, lon))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=Location(48.85, 2.34))))
    return services, clock


def offer(services: Services, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "customer_id": "C-1",
        "site_id": "S-1",
        "service_type": "boiler-service",
        "required_skills": (SkillRequirement("boiler", 1),),
        "dispatch_mode": DispatchMode.OFFER,
    }
    fields.update(overrides)
    return services.bus.handle(cmd.CreateWorkOrder(**fields))  # type: ignore[arg-type, no-any-return]


def test_an_offered_order_waits_for_the_best_three_with_an_expiry(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order = offer(services)
    assert order["status"] == "new" and order["dispatch_mode"] == "offer"
    assert len(order["offered_to"]) == 3  # type: ignore[arg-type]
    assert order["offer_expires_at"] is not None
    [decision] = queries.decisions_for(services.uow_factory, str(order["id"]))
    assert decision["kind"] == "offer" and decision["offered_to"] == order["offered_to"]


def test_the_first_offered_technician_to_grab_it_gets_it(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order = offer(services)
    second = order["offered_to"][1]  # type: ignore[index]
    result = services.bus.handle(cmd.GrabOrder(order_id=str(order["id"]), technician_id=second))
    assert result["order"]["technician_id"] == second and result["order"]["status"] == "assigned"
    assert result["order"]["offered_to"] == []
    other = order["offered_to"][0]  # type: ignore[index]
    with pytest.raises(IllegalTransition) as late:
        services.bus.handle(cmd.GrabOrder(order_id=str(order["id"]), technician_id=other))
    assert late.value.current == "assigned"


def test_a_technician_not_offered_the_order_cannot_grab_it(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order = offer(services)
    outsider = next(f"T-{i}" for i in range(4) if f"T-{i}" not in order["offered_to"])  # type: ignore[operator]
    with pytest.raises(Conflict):
        services.bus.handle(cmd.GrabOrder(order_id=str(order["id"]), technician_id=outsider))


def test_an_expired_offer_goes_to_the_engine(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    order = offer(services)
    clock.advance(minutes=16)  # offers last 15 minutes by default
    with pytest.raises(Conflict):
        services.bus.handle(cmd.GrabOrder(order_id=str(order["id"]), technician_id=order["offered_to"][0]))  # type: ignore[index]
    assert services.bus.handle(cmd.ExpireOffers()) == 1
    after = queries.get_order(services.uow_factory, str(order["id"]), now=clock.now())
    assert after["status"] == "assigned" and after["offered_to"] == []
    kinds = [d["kind"] for d in queries.decisions_for(services.uow_factory, str(order["id"]))]
    assert kinds == ["offer", "auto"]


def test_a_triage_rule_sets_the_dispatch_mode_of_a_service_type(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    rule = TriageRule(
        id="installs", name="Installs go manual", service_type="install", dispatch_mode=DispatchMode.MANUAL
    )
    services.bus.handle(cmd.CreateResource(ResourceKind.TRIAGE_RULE, rule))
    order = offer(services, service_type="install", dispatch_mode=None)
    assert order["dispatch_mode"] == "manual" and order["status"] == "new" and order["offered_to"] == []
    auto = offer(services, dispatch_mode=None)
    assert auto["dispatch_mode"] == "auto" and auto["status"] == "assigned"
