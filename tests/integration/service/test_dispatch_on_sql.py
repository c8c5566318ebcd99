"""The dispatch flow on SQLite and PostgreSQL: intake, auto-dispatch with a stored decision,
position reports, a re-plan, and the lifecycle to completion, through the real handlers."""

from __future__ import annotations

from typing import Any

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import Location, Priority, SkillRequirement
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.unit_of_work import OrderQuery
from tests.builders import MONDAY_9AM, a_customer, a_site, a_skill, a_technician, an_sla_policy, settings_for_tests


def sql_services(sql_uow_factory: Any) -> tuple[Services, FixedClock]:
    clock = FixedClock(MONDAY_9AM)
    services = bootstrap(
        settings_for_tests(auto_dispatch=True, replan_mode="inline"),
        uow_factory=lambda: sql_uow_factory(clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(3),
        hasher=PlainHasher(),
        travel=StraightLineTravel(),
    )
    return services, clock


def test_intake_dispatch_replan_and_lifecycle(sql_uow_factory: Any) -> None:
    services, clock = sql_services(sql_uow_factory)
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.SLA_POLICY, an_sla_policy()))
    bus.handle(
        cmd.CreateResource(
            ResourceKind.TRIAGE_RULE,
            TriageRule(id="leak", name="Leak", keywords=("leak",), priority=Priority.P2),
        )
    )
    for i, (lat, lon) in enumerate([(48.86, 2.35), (48.80, 2.25)]):
        bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id=f"T-{i}", home_base=Location(lat, lon))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    ids = []
    for i in range(5):
        bus.handle(
            cmd.CreateResource(ResourceKind.SITE, a_site(id=f"S-{i}", location=Location(48.82 + 0.01 * i, 2.30)))
        )
        created = bus.handle(
            cmd.CreateWorkOrder(
                customer_id="C-1",
                site_id=f"S-{i}",
                service_type="boiler-repair",
                description="water leak" if i == 2 else "annual service",
                required_skills=(SkillRequirement("boiler", 1),),
            )
        )
        ids.append(str(created["id"]))
    orders = {
        str(o["id"]): o for o in queries.list_orders(services.uow_factory, OrderQuery(limit=100, now=clock.now())).items
    }
    assert all(orders[i]["status"] == "assigned" for i in ids)
    assert orders[ids[2]]["priority"] == "P2"
    decisions = queries.decisions_for(services.uow_factory, ids[0])
    assert decisions[0]["outcome"] == "assigned" and decisions[0]["winner"]["technician_id"] in ("T-0", "T-1")

    first = orders[ids[0]]
    technician = str(first["technician_id"])
    for action in ("accept", "start_travel"):
        first = bus.handle(
            cmd.TransitionWorkOrder(order_id=ids[0], action=action, expected_version=int(first["version"]))
        )
    bus.handle(cmd.ReportPosition(technician_id=technician, location=Location(48.821, 2.301)))
    result = bus.handle(cmd.Replan(trigger="test"))
    assert result["solver"].startswith(("solver", "greedy")) and result["new_cost"] <= result["current_cost"]
    clock.advance(minutes=20)
    for action in ("arrive", "complete", "close"):
        first = bus.handle(
            cmd.TransitionWorkOrder(order_id=ids[0], action=action, expected_version=int(first["version"]))
        )
    history = queries.order_history(services.uow_factory, ids[0])
    assert [h["to_status"] for h in history][-3:] == ["on_site", "completed", "closed"]
    with services.uow_factory() as uow:
        assert technician in uow.positions.latest()
        names = {m.name for m in uow.outbox.pending(limit=10_000)}
    assert {"OrderCreated", "OrderAssigned", "StatusChanged", "EtaChanged"} <= names
