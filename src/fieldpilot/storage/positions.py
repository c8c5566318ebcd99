"""Technicians' latest positions: one row per technician, upserted by each ping.

Kept apart from the technicians table so that frequent pings never bump a technician's version
(and never make a dispatcher's If-Match stale). Written at commit, with the rest of the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fieldpilot.domain.values import Location
from fieldpilot.service.unit_of_work import TechnicianPosition
from fieldpilot.storage import tables

_rows = tables.technician_positions.c


class SqlPositions:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.new: list[TechnicianPosition] = []

    def add(self, position: TechnicianPosition) -> None:
        self.new.append(position)

    def latest(self, technician_ids: Sequence[str] | None = None) -> dict[str, TechnicianPosition]:
        query = select(_rows.technician_id, _rows.lat, _rows.lon, _rows.at)
        if technician_ids is not None:
            query = query.where(_rows.technician_id.in_(list(technician_ids)))
        found = {
            row.technician_id: TechnicianPosition(row.technician_id, Location(row.lat, row.lon), row.at)
            for row in self._session.execute(query)
        }
        for position in self.new:
            if technician_ids is not None and position.technician_id not in technician_ids:
                continue
            known = found.get(position.technician_id)
            if known is None or known.at <= position.at:
                found[position.technician_id] = position
        return found

    def write(self) -> None:
        """Upsert the newest position per technician; an older ping never overwrites a newer one."""
        newest: dict[str, TechnicianPosition] = {}
        for position in self.new:
            known = newest.get(position.technician_id)
            if known is None or known.at <= position.at:
                newest[position.technician_id] = position
        dialect = self._session.get_bind().dialect.name
        make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for position in newest.values():
            values = {
                "technician_id": position.technician_id,
                "lat": position.location.lat,
                "lon": position.location.lon,
                "at": position.at,
            }
            statement = make_insert(tables.technician_positions).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=[_rows.technician_id],
                set_={
                    "lat": statement.excluded.lat,
                    "lon": statement.excluded.lon,
                    "at": statement.excluded.at,
                },
                where=_rows.at <= statement.excluded.at,
            )
            self._session.execute(statement)
        self.new = []
