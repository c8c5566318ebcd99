"""The technician's side: today's route as the app shows it, and field reports (notes, parts
used, photos, the customer's signature) as data URLs turned into commands. The service layer
strips the images' metadata and stores the reports (they survive a restart).

May import: bootstrap, service, domain, the standard library.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fieldpilot.bootstrap import Services
from fieldpilot.domain.commands import Image
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.work_order import OPEN_STATUSES, OrderStatus, WorkOrder
from fieldpilot.service.field_reports import IMAGE_TYPES, MAX_IMAGE_BYTES, summary
from fieldpilot.service.unit_of_work import Attachment, OrderQuery, UnitOfWork

DONE = frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED})
MAX_DATA_URL_BYTES = MAX_IMAGE_BYTES
HISTORY_ROWS = 50  # earlier orders of the customer shown in the app
CLOSE_OUT_STEPS = (
    "Check in on arrival",
    "Diagnose and record the fault in the notes",
    "Take before and after photos",
    "Record the parts used",
    "Have the customer sign",
    "Check out",
)


def decode_image(data_url: str, *, field: str = "photos") -> Image:
    """`data:image/jpeg;base64,...` -> the image as sent (the handler strips its metadata)."""
    head, sep, body = data_url.partition(",")
    if not sep or not head.startswith("data:image/") or not head.endswith(";base64"):
        raise InvalidInput(field, "send images as base64 data URLs")
    media = head[5:-7]
    if media not in IMAGE_TYPES:
        raise InvalidInput(field, "only JPEG and PNG images are accepted")
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        raise InvalidInput(field, "the image is not valid base64") from None
    if len(raw) > MAX_DATA_URL_BYTES:
        raise InvalidInput(field, "an image may be at most 8 MB")
    return Image(media, raw)


def report_summary(uow: UnitOfWork, order_id: str) -> dict[str, Any] | None:
    """What was reported from the field on the order (None: nothing yet)."""
    entries = uow.field_reports.entries(order_id)
    if not entries:
        return None
    return summary(order_id, entries, uow.field_reports.attachments(order_id))


def photo(uow: UnitOfWork, order_id: str, index: int) -> Attachment | None:
    """The order's `index`-th photo (oldest first), with its bytes."""
    photos = [a for a in uow.field_reports.attachments(order_id) if a.kind == "photo"]
    if not 0 <= index < len(photos):
        return None
    return uow.field_reports.attachment(order_id, photos[index].id)


def todays_route(services: Services, technician_id: str, *, now: datetime) -> list[dict[str, Any]]:
    """The technician's open orders in visiting order (then today's finished ones), each with what
    the app shows of it."""
    tz = ZoneInfo(services.dispatch.timezone)
    today = now.astimezone(tz).date()
    with services.uow_factory() as uow:
        found = uow.orders.search(
            OrderQuery(statuses=OPEN_STATUSES | DONE, technician_id=technician_id, limit=500, sort="planned_start")
        ).items
        mine = [o for o in found if o.status not in DONE or _finished_on(o, tz) == today]
        stops = []
        for order in mine:
            site = uow.sites.get(order.site_id)
            customer = uow.customers.get(order.customer_id)
            asset = uow.assets.get(order.asset_id) if order.asset_id else None
            # The customer's earlier work, newest first; the asset's is the part of it on this asset.
            earlier = [
                o
                for o in uow.orders.search(
                    OrderQuery(customer_id=order.customer_id, limit=HISTORY_ROWS, sort="created_at", descending=True)
                ).items
                if o.id != order.id
            ]
            customer_past = [_past(o) for o in earlier]
            past = [_past(o) for o in earlier if order.asset_id and o.asset_id == order.asset_id]
            report = report_summary(uow, order.id)
            stops.append(
                {
                    "id": order.id,
                    "version": order.version,
                    "status": order.status.value,
                    "priority": f"P{int(order.priority)}",
                    "service_type": order.service_type,
                    "description": order.description,
                    "planned_start": order.planned_start.isoformat() if order.planned_start else None,
                    "eta_window": None
                    if order.eta_window is None
                    else [order.eta_window.start.isoformat(), order.eta_window.end.isoformat()],
                    "customer": {
                        "name": customer.name if customer else "",
                        "phone": customer.phone if customer else None,
                    },
                    "site": None
                    if site is None
                    else {
                        "name": site.name,
                        "address": site.address,
                        "access_notes": site.access_notes,
                        "lat": site.location.lat,
                        "lon": site.location.lon,
                    },
                    "navigation_url": None
                    if site is None
                    else "https://www.openstreetmap.org/directions?to="
                    + quote(f"{site.location.lat},{site.location.lon}"),
                    "asset": None if asset is None else {"id": asset.id, "model": asset.model, "serial": asset.serial},
                    "asset_history": past,
                    "customer_history": customer_past,
                    "required_parts": [{"part": p.part, "quantity": p.quantity} for p in order.required_parts],
                    "sop_steps": list(CLOSE_OUT_STEPS),
                    "hold_reason": order.hold_reason,
                    "field_report": report,
                }
            )
    rank = {OrderStatus.ON_HOLD.value: 1, OrderStatus.COMPLETED.value: 2, OrderStatus.CLOSED.value: 2}
    stops.sort(key=lambda s: (rank.get(str(s["status"]), 0), str(s["planned_start"] or "9999"), str(s["id"])))
    return stops


def _past(order: WorkOrder) -> dict[str, Any]:
    done = order.milestones.get("resolution")
    return {
        "id": order.id,
        "service_type": order.service_type,
        "status": order.status.value,
        "created_at": order.created_at.isoformat(),
        "completed_at": None if done is None else done.isoformat(),
        "asset_id": order.asset_id,
        "description": order.description[:200],
    }


def _finished_on(order: WorkOrder, tz: ZoneInfo) -> date | None:
    done = order.milestones.get("resolution")
    return None if done is None else done.astimezone(tz).date()


def on_shift(services: Services, technician_id: str, *, now: datetime) -> bool:
    """Whether the technician works now: inside today's shift (their timezone), not absent."""
    with services.uow_factory() as uow:
        tech = uow.technicians.get(technician_id)
    if tech is None or not tech.active:
        return False
    local = now.astimezone(ZoneInfo(tech.timezone))
    shift = next((s for s in tech.shifts if s.weekday == local.weekday()), None)
    if shift is None or not shift.start <= local.time() < shift.end:
        return False
    return not any(a.start <= now < a.end for a in tech.absences)
