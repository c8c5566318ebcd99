"""Field reports: what a technician records at a visit (notes, parts used, photos, the
customer's signature), and the images' location metadata stripped before anything is kept.

Pure functions over bytes and records; the handlers in handlers/field.py store them through the
unit of work's `field_reports` port.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.service.unit_of_work import Attachment, FieldReportEntry

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 10
MAX_NOTES = 4000
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
_PNG_METADATA = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_jpeg_metadata(data: bytes, *, field: str = "photos") -> bytes:
    """The JPEG without APP1 (EXIF and XMP: GPS position, camera, time) and APP13 (IPTC) segments."""
    if data[:2] != b"\xff\xd8":
        raise InvalidInput(field, "not a JPEG image")
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise InvalidInput(field, "the JPEG is damaged")
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the image data follows, copy the rest
            out += data[i:]
            return bytes(out)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if marker not in (0xE1, 0xED):
            out += segment
        i += 2 + length
    raise InvalidInput(field, "the JPEG has no image data")


def strip_png_metadata(data: bytes, *, field: str = "photos") -> bytes:
    """The PNG without its text, time and EXIF chunks."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise InvalidInput(field, "not a PNG image")
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


def stripped(media_type: str, data: bytes, *, field: str) -> bytes:
    """The image without location or camera metadata; InvalidInput naming `field` otherwise."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(field, "an image may be at most 8 MB")
    if media_type == "image/jpeg":
        return strip_jpeg_metadata(data, field=field)
    if media_type == "image/png":
        return strip_png_metadata(data, field=field)
    raise InvalidInput(field, "only JPEG and PNG images are accepted")


def summary(order_id: str, entries: Sequence[FieldReportEntry], attachments: Sequence[Attachment]) -> dict[str, Any]:
    """Everything recorded on the order so far, as the app and the console show it."""
    parts: dict[str, int] = {}
    for entry in entries:
        for part, quantity in entry.parts_used.items():
            parts[part] = parts.get(part, 0) + quantity
    photos = [a for a in attachments if a.kind == "photo"]
    signatures = [a for a in attachments if a.kind == "signature"]
    last = max((e.at for e in entries), default=None)
    return {
        "order_id": order_id,
        "notes": [e.notes for e in entries if e.notes],
        "parts_used": parts,
        "photos": len(photos),
        "signed": bool(signatures),
        "signed_at": signatures[-1].at.isoformat() if signatures else None,
        "entries": [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor} for e in entries],
        "updated_at": None if last is None else last.isoformat(),
    }
