"""SQL repositories over mapped domain classes: get, add, delete, list and count by key, plus the
order queries (search, bookings, open orders) in SQL with the semantics of
`fieldpilot.service.order_filters`.

Every query first flushes the unit of work (`Work.flush`), so it sees the changes made in it,
like the in-memory store does. Lists are ordered by key in code-point order (`COLLATE "C"` on
PostgreSQL, SQLite's default BINARY elsewhere), the order Python's `sorted` gives.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from fieldpilot.domain.errors import AlreadyExists
from fieldpilot.domain.resources import ApiKey, Technician, User
from fieldpilot.domain.work_order import BOOKED_STATUSES, OPEN_STATUSES, HistoryEntry, WorkOrder
from fieldpilot.service.unit_of_work import OrderQuery, Page
from fieldpilot.storage import tables

T = TypeVar("T")
_IN_CHUNK = 500


@dataclass
class Work:
    """What the repositories of one unit of work share."""

    session: Session
    flush: Callable[[], None]
    # How many history entries of each order are already in the database.
    history_saved: dict[WorkOrder, int] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def in_key_order(self, column: Any) -> Any:
        return column.collate("C") if self.dialect == "postgresql" else column


class SqlRepository(Generic[T]):
    def __init__(self, work: Work, cls: type[T], key: Any, kind: str) -> None:
        self._work = work
        self._cls = cls
        self._key = key
        self._kind = kind

    @property
    def _session(self) -> Session:
        return self._work.session

    def get(self, key: str) -> T | None:
        if self._session.new:  # objects added in this unit of work are found too
            self._work.flush()
        obj = self._session.get(self._cls, key)
        if obj is None or obj in self._session.deleted:
            return None
        return self._loaded([obj])[0]

    def add(self, obj: T) -> None:
        key = getattr(obj, self._key.key)
        held = self._session.identity_map.get(self._session.identity_key(self._cls, key))
        if held is not None and held is not obj and held not in self._session.deleted:
            raise AlreadyExists(self._kind, key)
        self._session.add(obj)

    def delete(self, obj: T) -> None:
        self._session.delete(obj)

    def list(self, *, offset: int = 0, limit: int = 100) -> list[T]:
        statement = select(self._cls).order_by(self._work.in_key_order(self._key)).offset(offset).limit(limit)
        return self._all(statement)

    def count(self) -> int:
        self._work.flush()
        return self._session.scalar(select(func.count()).select_from(self._key.table)) or 0

    def _all(self, statement: Select[Any]) -> builtins.list[T]:
        self._work.flush()
        return self._loaded(list(self._session.scalars(statement)))

    def _first(self, statement: Select[Any]) -> T | None:
        found = self._all(statement.limit(1))
        return found[0] if found else None

    def _loaded(self, objects: builtins.list[T]) -> builtins.list[T]:
        """Hook for what the ORM does not load by itself (the history of orders)."""
        return objects


class SqlTechnicianRepository(SqlRepository[Technician]):
    def lock(self, key: str) -> Technician | None:
        """SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction already holds the write
        lock (BEGIN IMMEDIATE), so this is a fresh read."""
        statement = (
            select(Technician)
            .where(tables.technicians.c.id == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self._first(statement)


class SqlUserRepository(SqlRepository[User]):
    def get_by_username(self, username: str) -> User | None:
        return self._first(select(User).where(tables.users.c.username == username))


class SqlApiKeyRepository(SqlRepository[ApiKey]):
    def get_by_prefix(self, prefix: str) -> ApiKey | None:
        return self._first(select(ApiKey).where(tables.api_keys.c.prefix == prefix))


_orders = tables.work_orders.c


class SqlOrderRepository(SqlRepository[WorkOrder]):
    def get_by_tracking_token(self, token: str) -> WorkOrder | None:
        return self._first(select(WorkOrder).where(_orders.tracking_token == token))

    def search(self, query: OrderQuery) -> Page[WorkOrder]:
        conditions = order_conditions(query)
        self._work.flush()
        total = self._session.scalar(select(func.count()).select_from(tables.work_orders).where(*conditions))
        statement = (
            select(WorkOrder).where(*conditions).order_by(*self._sort(query)).offset(query.offset).limit(query.limit)
        )
        return Page(self._all(statement), total or 0, query.offset, query.limit)

    def booked_for(self, technician_id: str, *, start: datetime, end: datetime) -> builtins.list[WorkOrder]:
        statement = (
            select(WorkOrder)
            .where(
                _orders.technician_id == technician_id,
                _orders.status.in_(sorted(BOOKED_STATUSES)),
                _orders.planned_start.is_not(None),
                _orders.planned_start < end,
                _orders.planned_end > start,
            )
            .order_by(self._work.in_key_order(_orders.id))
        )
        return self._all(statement)

    def open_orders(self) -> builtins.list[WorkOrder]:
        statement = (
            select(WorkOrder)
            .where(_orders.status.in_(sorted(OPEN_STATUSES)))
            .order_by(self._work.in_key_order(_orders.id))
        )
        return self._all(statement)

    def _sort(self, query: OrderQuery) -> builtins.list[Any]:
        """A total order like `order_sort_key`: the field (missing values last), then the id."""
        order_id = self._work.in_key_order(_orders.id)
        if query.sort == "priority":
            keys: builtins.list[Any] = [_orders.priority, _orders.created_at, order_id]
        else:
            column = {"sla_deadline": _orders.sla_next_deadline, "planned_start": _orders.planned_start}.get(
                query.sort, _orders.created_at
            )
            keys = [case((column.is_(None), 1), else_=0), column, order_id]
        return [k.desc() for k in keys] if query.descending else keys

    def _loaded(self, objects: builtins.list[WorkOrder]) -> builtins.list[WorkOrder]:
        saved = self._work.history_saved
        missing = [o for o in objects if o not in saved]
        for start in range(0, len(missing), _IN_CHUNK):
            self._read_history(missing[start : start + _IN_CHUNK])
        return objects

    def _read_history(self, orders: Sequence[WorkOrder]) -> None:
        by_id = {o.id: o for o in orders}
        history = tables.order_history.c
        rows = self._session.execute(
            select(tables.order_history)
            .where(history.order_id.in_(list(by_id)))
            .order_by(history.order_id, history.seq)
        )
        entries: dict[str, builtins.list[HistoryEntry]] = {key: [] for key in by_id}
        for row in rows:
            entries[row.order_id].append(
                HistoryEntry(
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    from_status=row.from_status,
                    to_status=row.to_status,
                    reason=row.reason,
                    technician_id=row.technician_id,
                )
            )
        for key, order in by_id.items():
            order.history = entries[key]
            self._work.history_saved[order] = len(entries[key])


def effective_sla_state(now: datetime | None) -> ColumnElement[Any]:
    """`order_filters.effective_sla_state` as a SQL expression."""
    if now is None:
        return _orders.sla_state
    frozen = or_(_orders.sla_state == "breached", not_(_orders.status.in_(sorted(OPEN_STATUSES))))
    return case(
        (frozen, _orders.sla_state),
        (and_(_orders.sla_next_deadline.is_not(None), _orders.sla_next_deadline <= now), "breached"),
        (and_(_orders.sla_risk_at.is_not(None), _orders.sla_risk_at <= now), "at_risk"),
        else_=_orders.sla_state,
    )


def order_conditions(query: OrderQuery) -> builtins.list[ColumnElement[bool]]:
    """`order_filters.order_matches` as SQL conditions (all must hold)."""
    conditions: builtins.list[ColumnElement[bool]] = []
    if query.statuses:
        conditions.append(_orders.status.in_(sorted(query.statuses)))
    if query.priorities:
        conditions.append(_orders.priority.in_(sorted(query.priorities)))
    if query.technician_id is not None:
        conditions.append(_orders.technician_id == query.technician_id)
    if query.customer_id is not None:
        conditions.append(_orders.customer_id == query.customer_id)
    if query.sla_states:
        conditions.append(effective_sla_state(query.now).in_(sorted(query.sla_states)))
    if query.created_from is not None:
        conditions.append(_orders.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(_orders.created_at < query.created_to)
    return conditions


def history_rows(order: WorkOrder, *, first: int) -> Iterable[dict[str, Any]]:
    """The history entries of `order` from index `first` on, as rows of `order_history`."""
    for seq, entry in enumerate(order.history[first:], start=first):
        yield {
            "order_id": order.id,
            "seq": seq,
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "from_status": entry.from_status,
            "to_status": entry.to_status,
            "reason": entry.reason,
            "technician_id": entry.technician_id,
        }
