"""Handlers for what happens in the field and at the console beyond the lifecycle: a
technician's field report (notes, parts used, photos stripped of their location, the
customer's signature) and a dispatcher acknowledging an alert. Both are stored through the unit
of work, so they survive a restart, and announced by an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.events import AlertAcknowledged, FieldReportAdded
from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.service import field_reports
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers.orders import OCCURRED_AT_SKEW
from fieldpilot.service.idempotency import remember, replay
from fieldpilot.service.unit_of_work import AlertAck, Attachment, FieldReportEntry, UnitOfWork

MAX_PART_CODE = 64
MAX_ALERT_ID = 200


def record_field_report(command: cmd.RecordFieldReport, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    notes = command.notes.strip()
    if len(notes) > field_reports.MAX_NOTES:
        raise InvalidInput("notes", f"at most {field_reports.MAX_NOTES} characters")
    parts = _parts(command.parts_used)
    if len(command.photos) > field_reports.MAX_PHOTOS:
        raise InvalidInput("photos", f"at most {field_reports.MAX_PHOTOS} photos at a time")
    photos = [(p.media_type, field_reports.stripped(p.media_type, p.data, field="photos")) for p in command.photos]
    signature = command.signature
    signed = (
        None if signature is None else field_reports.stripped(signature.media_type, signature.data, field="signature")
    )
    if not (notes or parts or photos or signed):
        raise InvalidInput("notes", "the report is empty: write a note, list parts, add a photo or a signature")
    scope = f"{command.actor}:field_report"
    with uow:
        previous = replay(uow, scope=scope, key=command.idempotency_key, fingerprint=command.order_id)
        if previous is not None:
            return previous
        order = uow.orders.get(command.order_id)
        if order is None:
            raise NotFound("work order", command.order_id)
        now = deps.clock.now()
        at = _report_time(order, command.occurred_at, now=now)
        entry = FieldReportEntry(
            id=deps.ids.new_id("fr"),
            order_id=order.id,
            technician_id=order.technician_id,
            actor=command.actor,
            at=at,
            notes=notes,
            parts_used=parts,
        )
        files = [
            Attachment(deps.ids.new_id("att"), order.id, entry.id, "photo", media, data, at) for media, data in photos
        ]
        if signed is not None and signature is not None:
            files.append(
                Attachment(deps.ids.new_id("att"), order.id, entry.id, "signature", signature.media_type, signed, at)
            )
        uow.field_reports.add(entry, files)
        uow.record(FieldReportAdded(order.id, entry.id, len(photos), signed is not None))
        result = field_reports.summary(
            order.id, uow.field_reports.entries(order.id), uow.field_reports.attachments(order.id)
        )
        remember(
            uow,
            scope=scope,
            key=command.idempotency_key,
            fingerprint=order.id,
            kind="field_report",
            resource_id=entry.id,
            response=result,
            at=now,
        )
        uow.commit()
        return result


def _parts(parts_used: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for part, quantity in dict(parts_used).items():
        code = str(part).strip()
        if not code or len(code) > MAX_PART_CODE:
            raise InvalidInput("parts_used", f"a part code is 1 to {MAX_PART_CODE} characters")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity < 1000:
            raise InvalidInput("parts_used", f"{code}: a quantity from 1 to 999")
        found[code] = found.get(code, 0) + quantity
    return found


def _report_time(order: WorkOrder, claimed: datetime | None, *, now: datetime) -> datetime:
    """When the report was written: the device's time when it was queued offline, if believable."""
    if claimed is None:
        return now
    if claimed.utcoffset() is None:
        raise InvalidInput("occurred_at", "give a time with its UTC offset")
    if claimed > now + OCCURRED_AT_SKEW:
        raise InvalidInput("occurred_at", f"{claimed.isoformat()} is in the future; check the device's clock")
    if claimed < order.created_at:
        raise InvalidInput("occurred_at", f"{claimed.isoformat()} is before the order was created")
    return min(claimed, now)


def acknowledge_alert(command: cmd.AcknowledgeAlert, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    """Who acknowledged the alert and when; acknowledging it again keeps the first."""
    alert_id = command.alert_id.strip()
    if not 0 < len(alert_id) <= MAX_ALERT_ID:
        raise InvalidInput("alert_id", f"1 to {MAX_ALERT_ID} characters")
    with uow:
        known = uow.alert_acks.get_many([alert_id]).get(alert_id)
        if known is None:
            known = AlertAck(alert_id, command.actor, command.name.strip() or command.actor, deps.clock.now())
            uow.alert_acks.add(known)
            uow.record(AlertAcknowledged(alert_id, known.name, known.at))
            uow.commit()
        return ack_view(known)


def ack_view(ack: AlertAck) -> dict[str, Any]:
    return {"alert_id": ack.alert_id, "by": ack.name, "actor": ack.actor, "at": ack.at.isoformat()}
