"""The order handlers through the real composition root, on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import (
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidInput,
    PreconditionRequired,
    SlotTaken,
    VersionMismatch,
)
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import CustomerTier, Priority, SkillRequirement
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.sla.policy import SlaTargets
from tests.builders import (
    a_customer,
    a_site,
    a_skill,
    a_technician,
    an_sla_policy,
    memory_services,
)


@pytest.fixture
def world() -> tuple[Services, FixedClock]:
    services, clock = memory_services()
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-1")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-2", first_name="Bo")))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer(id="C-VIP", tier=CustomerTier.VIP)))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(id="S-VIP", customer_id="C-VIP")))
    bus.handle(cmd.CreateResource(ResourceKind.SLA_POLICY, an_sla_policy()))
    bus.handle(
        cmd.CreateResource(
            ResourceKind.SLA_POLICY,
            an_sla_policy(id="p1", name="P1", priority=Priority.P1, targets=SlaTargets(dispatch=10, arrival=120)),
        )
    )
    return services, clock


def create(services: Services, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {"customer_id": "C-1", "site_id": "S-1", "service_type": "boiler-repair"}
    fields.update(overrides)
    return services.bus.handle(cmd.CreateWorkOrder(**fields))  # type: ignore[arg-type, no-any-return]


def act(services: Services, order: dict[str, object], action: str, **kw: object) -> dict[str, object]:
    command = cmd.TransitionWorkOrder(
        order_id=str(order["id"]),
        action=action,
        expected_version=int(order["version"]),
        **kw,  # type: ignore[arg-type]
    )
    return services.bus.handle(command)  # type: ignore[no-any-return]


def test_created_order_gets_defaults_sla_deadlines_and_an_unguessable_token(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order = create(services)
    assert order["status"] == "new" and order["priority"] == "P3"
    assert len(str(order["tracking_token"])) >= 22  # >= 128 bits in URL-safe base64
    sla = order["sla"]
    assert isinstance(sla, dict) and sla["policy_id"] == "p3-standard" and sla["state"] == "ok"
    assert sla["next_deadline"] == (clock.now() + timedelta(minutes=60)).isoformat()


def test_triage_fills_priority_skills_and_duration_from_keywords(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    rule = TriageRule(
        id="gas",
        name="Gas smell",
        keywords=("gas leak",),
        priority=Priority.P1,
        required_skills=(SkillRequirement("boiler", 3),),
        duration_minutes=90,
    )
    services.bus.handle(cmd.CreateResource(ResourceKind.TRIAGE_RULE, rule))
    order = create(services, description="Customer reports a GAS LEAK near the boiler")
    assert order["priority"] == "P1"
    assert order["estimated_duration_minutes"] == 90
    assert order["required_skills"] == [{"skill": "boiler", "min_level": 3}]
    assert order["sla"]["policy_id"] == "p1"  # type: ignore[index]


def test_explicit_values_win_over_triage(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    rule = TriageRule(id="gas", name="Gas", keywords=("gas",), priority=Priority.P1)
    services.bus.handle(cmd.CreateResource(ResourceKind.TRIAGE_RULE, rule))
    order = create(services, description="gas", priority=Priority.P2)
    assert order["priority"] == "P2"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_id": "nope"}, "customer_id"),
        ({"site_id": "S-VIP"}, "site_id"),
        ({"asset_id": "A-404"}, "asset_id"),
        ({"service_type": "Bad Type"}, "service_type"),
        ({"required_skills": (SkillRequirement("welding", 2),)}, "required_skills"),
        ({"estimated_duration_minutes": 100_000}, "estimated_duration_minutes"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    world: tuple[Services, FixedClock], overrides: dict[str, object], field: str
) -> None:
    services, clock = world
    with pytest.raises(InvalidInput) as caught:
        create(services, **overrides)
    assert caught.value.field == field
    assert queries.list_orders(services.uow_factory, OrderQuery(now=clock.now())).total == 0


def test_idempotent_create_replays_the_first_response_and_refuses_a_changed_body(
    world: tuple[Services, FixedClock],
) -> None:
    services, _ = world
    first = create(services, idempotency_key="k1", fingerprint="body-a")
    again = create(services, idempotency_key="k1", fingerprint="body-a")
    assert again == first
    with pytest.raises(IdempotencyKeyReused):
        create(services, idempotency_key="k1", fingerprint="body-b")
    assert queries.list_orders(services.uow_factory, OrderQuery()).total == 1


def test_lifecycle_through_handlers_keeps_history_with_actor_and_reason(
    world: tuple[Services, FixedClock],
) -> None:
    services, clock = world
    order = create(services)
    order = act(services, order, "assign", technician_id="T-1", planned_start=clock.now() + timedelta(hours=1))
    clock.advance(minutes=5)
    order = act(services, order, "hold", reason="awaiting_parts")
    order = act(services, order, "resume")
    history = queries.order_history(services.uow_factory, str(order["id"]))
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("create", None, "new"),
        ("assign", "new", "assigned"),
        ("hold", "assigned", "on_hold"),
        ("resume", "on_hold", "assigned"),
    ]
    assert history[2]["reason"] == "awaiting_parts"
    assert order["version"] == 4


def test_action_without_version_is_refused_with_precondition_required(
    world: tuple[Services, FixedClock],
) -> None:
    services, _ = world
    order = create(services)
    with pytest.raises(PreconditionRequired):
        services.bus.handle(cmd.TransitionWorkOrder(order_id=str(order["id"]), action="hold", expected_version=None))


def test_stale_version_is_refused_when_the_action_is_still_possible(
    world: tuple[Services, FixedClock],
) -> None:
    services, _ = world
    order = create(services)
    services.bus.handle(
        cmd.UpdateWorkOrder(order_id=str(order["id"]), changes={"description": "x"}, expected_version=1)
    )
    with pytest.raises(VersionMismatch):
        act(services, order, "hold", reason="weather")


def test_second_assignment_of_the_same_order_is_a_conflict_naming_the_state(
    world: tuple[Services, FixedClock],
) -> None:
    services, _ = world
    order = create(services)
    act(services, order, "assign", technician_id="T-1")
    with pytest.raises(IllegalTransition) as caught:
        act(services, order, "assign", technician_id="T-2")
    assert caught.value.current == "assigned"


def test_overlapping_bookings_for_one_technician_are_refused(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    start = clock.now() + timedelta(hours=2)
    first = create(services, estimated_duration_minutes=60)
    second = create(services, estimated_duration_minutes=60)
    act(services, first, "assign", technician_id="T-1", planned_start=start)
    with pytest.raises(SlotTaken):
        act(services, second, "assign", technician_id="T-1", planned_start=start + timedelta(minutes=30))
    act(services, second, "assign", technician_id="T-1", planned_start=start + timedelta(minutes=60))


def test_priority_upgrade_switches_policy_and_keeps_paid_time(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    order = create(services)
    clock.advance(minutes=4)
    updated = services.bus.handle(
        cmd.UpdateWorkOrder(order_id=str(order["id"]), changes={"priority": 1}, expected_version=1)
    )
    sla = updated["sla"]
    assert sla["policy_id"] == "p1"
    # 10 minutes to dispatch under P1, 4 already paid: 6 left.
    assert sla["next_deadline"] == (clock.now() + timedelta(minutes=6)).isoformat()


def test_sla_does_not_breach_while_on_hold(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    order = create(services, priority=Priority.P1)
    clock.advance(minutes=5)
    order = act(services, order, "hold", reason="customer_unavailable")
    clock.advance(hours=3)
    fresh = queries.get_order(services.uow_factory, str(order["id"]), now=clock.now())
    assert fresh["sla"]["state"] == "ok" and fresh["sla"]["paused"] is True  # type: ignore[index]
    clock.advance(minutes=1)
    order = act(services, order, "resume")
    clock.advance(minutes=6)
    fresh = queries.get_order(services.uow_factory, str(order["id"]), now=clock.now())
    assert fresh["sla"]["state"] == "breached"  # type: ignore[index]


def test_sla_sweep_and_at_risk_filter(world: tuple[Services, FixedClock]) -> None:
    services, clock = world
    create(services, priority=Priority.P1)
    create(services)
    clock.advance(minutes=9)  # 90% of P1's 10-minute dispatch target
    page = queries.list_orders(services.uow_factory, OrderQuery(sla_states=frozenset({"at_risk"}), now=clock.now()))
    assert page.total == 1
    assert services.bus.handle(cmd.RefreshSlaStates()) == 1


def test_list_is_stable_and_paginates_without_gaps(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    ids = [create(services)["id"] for _ in range(7)]  # identical created_at: the id breaks ties
    seen: list[object] = []
    for offset in range(0, 7, 3):
        page = queries.list_orders(services.uow_factory, OrderQuery(offset=offset, limit=3))
        seen.extend(item["id"] for item in page.items)
    assert seen == sorted(ids)  # type: ignore[type-var]


def test_rating_only_after_completion_and_only_once(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order = create(services)
    token = str(order["tracking_token"])
    with pytest.raises(IllegalTransition):
        services.bus.handle(cmd.RateWorkOrder(tracking_token=token, rating=5))
    for action in ("assign", "accept", "start_travel", "arrive", "complete"):
        order = act(services, order, action, technician_id="T-1")
    services.bus.handle(cmd.RateWorkOrder(tracking_token=token, rating=5, comment="great"))
    with pytest.raises(IllegalTransition):
        services.bus.handle(cmd.RateWorkOrder(tracking_token=token, rating=4))
    view = queries.tracking(services.uow_factory, token)
    assert set(view) == {"status", "eta_window", "technician_first_name", "can_rate", "rating"}
    assert view["technician_first_name"] == "Ada"


def test_outbox_gets_one_row_per_event_in_the_same_commit(world: tuple[Services, FixedClock]) -> None:
    services, _ = world
    order = create(services)
    act(services, order, "assign", technician_id="T-1")
    with services.uow_factory() as uow:
        names = [m.name for m in uow.outbox.pending(limit=1000)]
    assert names.count("OrderCreated") == 1
    assert "OrderAssigned" in names and "StatusChanged" in names
