"""Moving a visit on the board: one MoveVisit command, checked by the engine, applied whole or
not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import IllegalTransition, InvalidInput, VersionMismatch
from fieldpilot.domain.values import Location, SkillRequirement
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services

PARIS = Location(48.8566, 2.3522)


@pytest.fixture
def world() -> tuple[Services, FixedClock]:
    services, clock = memory_services(auto_dispatch=True)
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-near", home_base=Location(48.86, 2.35))))
    bus.handle(
        cmd.CreateResource(
            ResourceKind.TECHNICIAN, a_technician(id="T-far", first_name="Bo", home_base=Location(48.70, 2.10))
        )
    )
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=PARIS)))
    return services, clock


def create(services: Services) -> str:
    command = cmd.CreateWorkOrder(
        customer_id="C-1",
        site_id="S-1",
        service_type="boiler-repair",
        required_skills=(SkillRequirement("boiler", 2),),
    )
    return str(services.bus.handle(command)["id"])


def version(services: Services, order_id: str) -> int:
    return queries.load_order(services.uow_factory, order_id).version


def test_an_assigned_visit_moves_to_another_technician_in_one_step(world: tuple[Services, FixedClock]) -> None:
    services, _clock = world
    order_id = create(services)
    before = queries.load_order(services.uow_factory, order_id)
    assert before.technician_id == "T-near"
    with services.uow_factory() as uow:
        outbox_before = len(uow.db.outbox)  # type: ignore[attr-defined]
    result = services.bus.handle(
        cmd.MoveVisit(
            order_id=order_id,
            technician_id="T-far",
            expected_version=before.version,
            reason="customer asked for Bo",
            actor="user:dispatcher",
        )
    )
    after = queries.load_order(services.uow_factory, order_id)
    assert after.technician_id == "T-far" and after.status.value == "assigned"
    assert after.version == before.version + 1  # one change, not an unassign and an assign
    assert after.planned_start is not None and after.eta_window is not None
    assert [h.action for h in after.history][-1] == "reassign"
    assert after.history[-1].reason == "customer asked for Bo"
    assert result["decision"]["mode"] == "move" and result["decision"]["from_technician_id"] == "T-near"
    with services.uow_factory() as uow:
        names = [m.name for m in uow.db.outbox[outbox_before:]]  # type: ignore[attr-defined]
    assert "OrderReassigned" in names and "OrderUnassigned" not in names
    kinds = [d["kind"] for d in queries.decisions_for(services.uow_factory, order_id)]
    assert kinds[-1] == "move"


def test_an_accepted_visit_moved_to_someone_else_waits_for_their_acceptance(
    world: tuple[Services, FixedClock],
) -> None:
    services, _clock = world
    order_id = create(services)
    services.bus.handle(
        cmd.TransitionWorkOrder(order_id=order_id, action="accept", expected_version=version(services, order_id))
    )
    services.bus.handle(
        cmd.MoveVisit(
            order_id=order_id, technician_id="T-far", expected_version=version(services, order_id), reason="swap"
        )
    )
    after = queries.load_order(services.uow_factory, order_id)
    assert (after.status.value, after.technician_id) == ("assigned", "T-far")


def test_a_visit_moved_later_on_the_same_technician_is_re_timed_without_a_status_change(
    world: tuple[Services, FixedClock],
) -> None:
    services, _clock = world
    created = [create(services), create(services)]
    orders = [queries.load_order(services.uow_factory, order_id) for order_id in created]
    a, b = sorted(orders, key=lambda o: o.planned_start or o.created_at)
    first = a.id
    assert a.technician_id == b.technician_id == "T-near"
    assert a.planned_start is not None and b.planned_start is not None and a.planned_start < b.planned_start
    services.bus.handle(
        cmd.MoveVisit(
            order_id=first,
            technician_id="T-near",
            expected_version=a.version,
            reason="customer is out until later",
            planned_start=b.planned_start + timedelta(minutes=1),
        )
    )
    moved = queries.load_order(services.uow_factory, first)
    other = queries.load_order(services.uow_factory, b.id)  # re-timed: it now comes first
    assert moved.status.value == "assigned" and moved.technician_id == "T-near"
    assert other.planned_start is not None and other.planned_start < b.planned_start
    assert moved.planned_start is not None and moved.planned_start > other.planned_start
    assert moved.history[-1].action == "move" and moved.history[-1].reason == "customer is out until later"


def test_a_waiting_order_dropped_on_a_technician_is_assigned(world: tuple[Services, FixedClock]) -> None:
    services, _clock = world
    order_id = create(services)
    services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=order_id, action="unassign", expected_version=version(services, order_id), reason="test"
        )
    )
    services.bus.handle(
        cmd.MoveVisit(
            order_id=order_id, technician_id="T-far", expected_version=version(services, order_id), reason="r"
        )
    )
    after = queries.load_order(services.uow_factory, order_id)
    assert (after.status.value, after.technician_id, after.history[-1].action) == ("assigned", "T-far", "assign")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"reason": "  "}, InvalidInput),
        ({"technician_id": "T-nobody"}, InvalidInput),
        ({"expected_version": 99}, VersionMismatch),
        ({"position": 7}, InvalidInput),
    ],
)
def test_a_refused_move_changes_nothing(
    world: tuple[Services, FixedClock], change: dict[str, object], error: type[Exception]
) -> None:
    services, _clock = world
    order_id = create(services)
    before = queries.load_order(services.uow_factory, order_id)
    fields: dict[str, object] = {
        "order_id": order_id,
        "technician_id": "T-far",
        "expected_version": before.version,
        "reason": "why not",
        **change,
    }
    with pytest.raises(error):
        services.bus.handle(cmd.MoveVisit(**fields))  # type: ignore[arg-type]
    after = queries.load_order(services.uow_factory, order_id)
    assert (after.version, after.technician_id, after.planned_start, len(after.history)) == (
        before.version,
        before.technician_id,
        before.planned_start,
        len(before.history),
    )


def test_a_visit_under_way_cannot_be_moved(world: tuple[Services, FixedClock]) -> None:
    services, _clock = world
    order_id = create(services)
    for action in ("accept", "start_travel"):
        services.bus.handle(
            cmd.TransitionWorkOrder(order_id=order_id, action=action, expected_version=version(services, order_id))
        )
    with pytest.raises(IllegalTransition):
        services.bus.handle(
            cmd.MoveVisit(
                order_id=order_id, technician_id="T-far", expected_version=version(services, order_id), reason="r"
            )
        )


def test_a_move_that_breaks_the_promised_window_gives_the_customer_a_new_one(
    world: tuple[Services, FixedClock],
) -> None:
    services, _clock = world
    created = [create(services) for _ in range(8)]
    orders = [queries.load_order(services.uow_factory, order_id) for order_id in created]
    near = [o for o in orders if o.technician_id == "T-near"]
    assert len(near) >= 3
    before = min(near, key=lambda o: o.planned_start or o.created_at)
    assert before.eta_window is not None
    result = services.bus.handle(
        cmd.MoveVisit(
            order_id=before.id,
            technician_id="T-near",
            expected_version=before.version,
            reason="customer only free later",
            position=len(near) - 1,  # after the others
        )
    )
    assert "PROMISED_WINDOW" in [b["code"] for b in result["decision"]["broken"]]
    after = queries.load_order(services.uow_factory, before.id)
    assert after.eta_window is not None and after.planned_start is not None
    assert after.eta_window.start > before.eta_window.start
    assert after.eta_window.start <= after.planned_start < after.eta_window.end
