"""Field reports (entries and their photos and signatures) and alert acknowledgements.

Append-only records beside the aggregates, like decisions: written at commit with the rest of
the unit of work. Image bytes are stored in the database (`field_attachments.data`), already
stripped of their location metadata by the service layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fieldpilot.service.unit_of_work import AlertAck, Attachment, FieldReportEntry
from fieldpilot.storage import tables

_entries = tables.field_reports.c
_files = tables.field_attachments.c
_acks = tables.alert_acks.c


class SqlFieldReports:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.new: list[tuple[FieldReportEntry, list[Attachment]]] = []

    def add(self, entry: FieldReportEntry, attachments: Sequence[Attachment] = ()) -> None:
        self.new.append((entry, list(attachments)))

    def entries(self, order_id: str) -> list[FieldReportEntry]:
        rows = self._session.execute(
            select(tables.field_reports).where(_entries.order_id == order_id).order_by(_entries.at, _entries.id)
        )
        stored = [
            FieldReportEntry(r.id, r.order_id, r.technician_id, r.actor, r.at, r.notes, dict(r.parts_used))
            for r in rows
        ]
        return [*stored, *(e for e, _ in self.new if e.order_id == order_id)]

    def attachments(self, order_id: str, *, with_data: bool = False) -> list[Attachment]:
        columns = [_files.id, _files.order_id, _files.entry_id, _files.kind, _files.media_type, _files.at]
        if with_data:
            columns.append(_files.data)
        rows = self._session.execute(select(*columns).where(_files.order_id == order_id).order_by(_files.at, _files.id))
        stored = [
            Attachment(r.id, r.order_id, r.entry_id, r.kind, r.media_type, r.data if with_data else b"", r.at)
            for r in rows
        ]
        return [*stored, *(a for _, files in self.new for a in files if a.order_id == order_id)]

    def attachment(self, order_id: str, attachment_id: str) -> Attachment | None:
        row = self._session.execute(
            select(tables.field_attachments).where(_files.order_id == order_id, _files.id == attachment_id)
        ).one_or_none()
        if row is None:
            return None
        return Attachment(row.id, row.order_id, row.entry_id, row.kind, row.media_type, bytes(row.data), row.at)

    def write(self) -> None:
        if not self.new:
            return
        self._session.execute(
            insert(tables.field_reports),
            [
                {
                    "id": e.id,
                    "order_id": e.order_id,
                    "technician_id": e.technician_id,
                    "actor": e.actor,
                    "at": e.at,
                    "notes": e.notes,
                    "parts_used": dict(e.parts_used),
                }
                for e, _ in self.new
            ],
        )
        files = [a for _, batch in self.new for a in batch]
        if files:
            self._session.execute(
                insert(tables.field_attachments),
                [
                    {
                        "id": a.id,
                        "order_id": a.order_id,
                        "entry_id": a.entry_id,
                        "kind": a.kind,
                        "media_type": a.media_type,
                        "data": a.data,
                        "at": a.at,
                    }
                    for a in files
                ],
            )
        self.new = []


class SqlAlertAcks:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.new: list[AlertAck] = []

    def add(self, ack: AlertAck) -> None:
        self.new.append(ack)

    def get_many(self, alert_ids: Sequence[str]) -> dict[str, AlertAck]:
        wanted = list(dict.fromkeys(alert_ids))
        found: dict[str, AlertAck] = {}
        for start in range(0, len(wanted), 500):  # keep IN lists short
            rows = self._session.execute(
                select(tables.alert_acks).where(_acks.alert_id.in_(wanted[start : start + 500]))
            )
            found.update({r.alert_id: AlertAck(r.alert_id, r.actor, r.name, r.at) for r in rows})
        for ack in self.new:
            if ack.alert_id in wanted:
                found.setdefault(ack.alert_id, ack)
        return found

    def write(self) -> None:
        if self.new:
            self._session.execute(
                insert(tables.alert_acks),
                [{"alert_id": a.alert_id, "actor": a.actor, "name": a.name, "at": a.at} for a in self.new],
            )
        self.new = []
