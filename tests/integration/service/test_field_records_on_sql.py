"""Field reports, their photos and signatures, and alert acknowledgements, stored on SQLite and
PostgreSQL through the real handlers: what is kept, what is stripped, what a refusal leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.values import Location
from tests.browser.test_technician import JPEG_WITH_GPS
from tests.builders import a_customer, a_site, a_skill, a_technician
from tests.integration.service.test_dispatch_on_sql import sql_services

PNG = b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + b"x" * 13 + b"\x00" * 4
PNG += (5).to_bytes(4, "big") + b"tEXt" + b"where" + b"\x00" * 4 + (0).to_bytes(4, "big") + b"IEND" + b"\x00" * 4


def world(sql_uow_factory: Any) -> tuple[Any, Any, str]:
    services, clock = sql_services(sql_uow_factory)
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-1", home_base=Location(48.86, 2.35))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=Location(48.85, 2.35))))
    order = bus.handle(cmd.CreateWorkOrder(customer_id="C-1", site_id="S-1", service_type="boiler-repair"))
    return services, clock, str(order["id"])


def test_a_field_report_is_stored_with_its_photos_stripped_and_its_signature(sql_uow_factory: Any) -> None:
    services, clock, order_id = world(sql_uow_factory)
    written = clock.now() - timedelta(minutes=1)
    clock.current = clock.now() + timedelta(minutes=20)  # sent later, from the queue
    summary = services.bus.handle(
        cmd.RecordFieldReport(
            actor="user:tech",
            order_id=order_id,
            notes="Replaced the valve",
            parts_used={"valve-22": 1},
            photos=(cmd.Image("image/jpeg", JPEG_WITH_GPS),),
            signature=cmd.Image("image/png", PNG),
            occurred_at=written + timedelta(minutes=1),
        )
    )
    assert (summary["photos"], summary["signed"], summary["parts_used"]) == (1, True, {"valve-22": 1})
    services.bus.handle(cmd.RecordFieldReport(actor="user:tech", order_id=order_id, parts_used={"valve-22": 2}))
    with services.uow_factory() as uow:
        entries = uow.field_reports.entries(order_id)
        listed = uow.field_reports.attachments(order_id)
        photo = uow.field_reports.attachment(order_id, next(a.id for a in listed if a.kind == "photo"))
        signature = uow.field_reports.attachment(order_id, next(a.id for a in listed if a.kind == "signature"))
    assert [e.notes for e in entries] == ["Replaced the valve", ""]
    assert entries[0].at == written + timedelta(minutes=1) and entries[1].at == clock.now()
    assert entries[0].actor == "user:tech" and entries[0].technician_id == "T-1"
    assert [a.data for a in listed] == [b"", b""]  # listings leave the bytes out
    assert photo is not None and photo.media_type == "image/jpeg"
    assert photo.data.startswith(b"\xff\xd8") and b"GPS" not in photo.data and b"Exif" not in photo.data
    assert signature is not None and b"where" not in signature.data and signature.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("fields", "error", "name"),
    [
        ({"order_id": "wo-nope", "notes": "x"}, NotFound, None),
        ({"notes": ""}, InvalidInput, "notes"),
        ({"photos": (cmd.Image("image/gif", b"GIF89a"),)}, InvalidInput, "photos"),
        ({"photos": (cmd.Image("image/jpeg", b"not a jpeg"),)}, InvalidInput, "photos"),
        ({"parts_used": {"valve-22": 0}}, InvalidInput, "parts_used"),
        ({"notes": "x", "occurred_at": "future"}, InvalidInput, "occurred_at"),
    ],
)
def test_a_refused_report_stores_nothing(
    sql_uow_factory: Any, fields: dict[str, Any], error: type[Exception], name: str | None
) -> None:
    services, clock, order_id = world(sql_uow_factory)
    if fields.get("occurred_at") == "future":
        fields["occurred_at"] = clock.now() + timedelta(hours=1)
    with pytest.raises(error) as refused:
        services.bus.handle(cmd.RecordFieldReport(**{"order_id": order_id, **fields}))
    if name is not None:
        assert getattr(refused.value, "field", None) == name
    with services.uow_factory() as uow:
        assert uow.field_reports.entries(order_id) == []
        assert uow.field_reports.attachments(order_id) == []


def test_an_alert_acknowledgement_keeps_who_and_when_and_the_first_one_wins(sql_uow_factory: Any) -> None:
    services, clock, _order_id = world(sql_uow_factory)
    first = services.bus.handle(cmd.AcknowledgeAlert(actor="user:d1", alert_id="sla:wo-1:at_risk", name="Dana"))
    clock.current = clock.now() + timedelta(minutes=3)
    again = services.bus.handle(cmd.AcknowledgeAlert(actor="user:d2", alert_id="sla:wo-1:at_risk", name="Eli"))
    assert first == again and first["by"] == "Dana" and first["actor"] == "user:d1"
    with services.uow_factory() as uow:
        known = uow.alert_acks.get_many(["sla:wo-1:at_risk", "backlog:2026-03-02"])
    assert list(known) == ["sla:wo-1:at_risk"]
    assert known["sla:wo-1:at_risk"].at == clock.now() - timedelta(minutes=3)


def test_a_report_replayed_with_the_same_device_id_is_kept_once(sql_uow_factory: Any) -> None:
    services, _clock, order_id = world(sql_uow_factory)
    report = cmd.RecordFieldReport(
        actor="user:tech",
        order_id=order_id,
        notes="Checked the flue",
        photos=(cmd.Image("image/jpeg", JPEG_WITH_GPS),),
        idempotency_key="1764070000000-abc123",
    )
    first = services.bus.handle(report)
    again = services.bus.handle(report)  # the reply was lost; the device sends it again
    assert first == again
    with services.uow_factory() as uow:
        assert len(uow.field_reports.entries(order_id)) == 1
        assert len(uow.field_reports.attachments(order_id)) == 1
