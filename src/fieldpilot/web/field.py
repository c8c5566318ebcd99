"""The technician's side: today's route as the app shows it, and field reports (notes, parts
used, photos with their location metadata stripped, the customer's signature).

Field reports are kept per process until the service layer has a port for attachments; the
stripping happens here, before anything is kept.

May import: bootstrap, service, domain, the standard library.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.work_order import OPEN_STATUSES, OrderStatus, WorkOrder
from fieldpilot.service.unit_of_work import OrderQuery

DONE = frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED})
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 10
CLOSE_OUT_STEPS = (
    "Check in on arrival",
    "Diagnose and record the fault in the notes",
    "Take before and after photos",
    "Record the parts used",
    "Have the customer sign",
    "Check out",
)
_PNG_METADATA = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without APP1 (EXIF and XMP: GPS position, camera, time) and APP13 (IPTC) segments."""
    if data[:2] != b"\xff\xd8":
        raise InvalidInput("photos", "not a JPEG image")
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise InvalidInput("photos", "the JPEG is damaged")
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the image data follows, copy the rest
            out += data[i:]
            return bytes(out)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if marker not in (0xE1, 0xED):
            out += segment
        i += 2 + length
    raise InvalidInput("photos", "the JPEG has no image data")


def strip_png_metadata(data: bytes) -> bytes:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise InvalidInput("photos", "not a PNG image")
    out = bytearray(data[:8])
    i = 8
    while i + 12 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        chunk = data[i : i + 12 + length]
        if kind not in _PNG_METADATA:
            out += chunk
        i += 12 + length
    return bytes(out)


def decode_image(data_url: str) -> tuple[str, bytes]:
    """`data:image/jpeg;base64,...` -> (media type, bytes without location metadata)."""
    head, sep, body = data_url.partition(",")
    if not sep or not head.startswith("data:image/") or not head.endswith(";base64"):
        raise InvalidInput("photos", "send images as base64 data URLs")
    media = head[5:-7]
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        raise InvalidInput("photos", "the image is not valid base64") from None
    if len(raw) > MAX_PHOTO_BYTES:
        raise InvalidInput("photos", "an image may be at most 8 MB")
    if media == "image/jpeg":
        return media, strip_jpeg_metadata(raw)
    if media == "image/png":
        return media, strip_png_metadata(raw)
    raise InvalidInput("photos", "only JPEG and PNG images are accepted")


@dataclass
class FieldReport:
    order_id: str
    technician_id: str | None
    notes: list[str] = field(default_factory=list)
    parts_used: dict[str, int] = field(default_factory=dict)
    photos: list[tuple[str, bytes]] = field(default_factory=list)
    signature: bytes | None = None
    updated_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "notes": list(self.notes),
            "parts_used": dict(self.parts_used),
            "photos": len(self.photos),
            "signed": self.signature is not None,
            "updated_at": None if self.updated_at is None else self.updated_at.isoformat(),
        }


@dataclass
class FieldReports:
    reports: dict[str, FieldReport] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, order_id: str, technician_id: str | None, body: dict[str, Any], at: datetime) -> FieldReport:
        photos = body.get("photos") or []
        if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
            raise InvalidInput("photos", f"at most {MAX_PHOTOS} photos at a time")
        decoded = [decode_image(str(p)) for p in photos]
        signature = body.get("signature")
        signed = decode_image(str(signature))[1] if signature else None
        parts = body.get("parts_used") or {}
        if not isinstance(parts, dict) or not all(isinstance(q, int) and 0 < q < 1000 for q in parts.values()):
            raise InvalidInput("parts_used", "a part code -> a positive quantity")
        with self.lock:
            report = self.reports.setdefault(order_id, FieldReport(order_id, technician_id))
            note = str(body.get("notes") or "").strip()
            if note:
                report.notes.append(note[:4000])
            for part, quantity in parts.items():
                report.parts_used[str(part)] = report.parts_used.get(str(part), 0) + quantity
            report.photos.extend(decoded)
            report.signature = signed or report.signature
            report.updated_at = at
            return report

    def get(self, order_id: str) -> FieldReport | None:
        with self.lock:
            return self.reports.get(order_id)


def todays_route(
    services: Services, technician_id: str, *, reports: FieldReports, now: datetime
) -> list[dict[str, Any]]:
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
            past = []
            if order.asset_id:
                # The asset's earlier work (an asset has few orders; this stays small).
                for other in uow.orders.search(OrderQuery(limit=10_000)).items:
                    if other.asset_id == order.asset_id and other.id != order.id:
                        past.append({"id": other.id, "service_type": other.service_type, "status": other.status.value})
            report = reports.get(order.id)
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
                    "required_parts": [{"part": p.part, "quantity": p.quantity} for p in order.required_parts],
                    "sop_steps": list(CLOSE_OUT_STEPS),
                    "hold_reason": order.hold_reason,
                    "field_report": None if report is None else report.summary(),
                }
            )
    rank = {OrderStatus.ON_HOLD.value: 1, OrderStatus.COMPLETED.value: 2, OrderStatus.CLOSED.value: 2}
    stops.sort(key=lambda s: (rank.get(str(s["status"]), 0), str(s["planned_start"] or "9999"), str(s["id"])))
    return stops


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
