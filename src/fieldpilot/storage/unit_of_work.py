"""The SQL unit of work: one `with uow:` = one session = one transaction, one explicit commit.

`commit()` flushes the changed objects (checking their versions), appends the new history entries
of every touched order, writes SLA policies, idempotency and decision records, and adds one outbox
row per event (the events of every touched order plus those given to `record`) - all in the
same transaction. Database errors come out as domain errors (`storage.errors.translate`), with
the transaction rolled back. Leaving the block without commit rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fieldpilot.domain.events import Event
from fieldpilot.domain.resources import (
    ApiKey,
    Asset,
    Customer,
    Part,
    Site,
    Skill,
    Technician,
    User,
    Warehouse,
)
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.service.unit_of_work import OutboxMessage, StoreChanges
from fieldpilot.storage import tables
from fieldpilot.storage.errors import translate
from fieldpilot.storage.field_records import SqlAlertAcks, SqlFieldReports
from fieldpilot.storage.mapping import start_mappers
from fieldpilot.storage.positions import SqlPositions
from fieldpilot.storage.records import (
    SqlDecisions,
    SqlIdempotencyStore,
    SqlOutbox,
    SqlSlaPolicyRepository,
)
from fieldpilot.storage.repositories import (
    SqlApiKeyRepository,
    SqlOrderRepository,
    SqlRepository,
    SqlTechnicianRepository,
    SqlUserRepository,
    Work,
    history_rows,
)


class SqlAlchemyUnitOfWork:
    """Implements `fieldpilot.service.unit_of_work.UnitOfWork` over a SQLAlchemy session.

    `clock` gives the time stamped on outbox rows (aware UTC).
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        start_mappers()
        self._session_factory = session_factory
        self._clock = clock
        self._events: list[Event] = []
        self._recorded: list[Event] = []

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        work = self._work = Work(self.session, self._flush)
        self.skills = SqlRepository(work, Skill, tables.skills.c.code, "skill")
        self.technicians = SqlTechnicianRepository(work, Technician, tables.technicians.c.id, "technician")
        self.customers = SqlRepository(work, Customer, tables.customers.c.id, "customer")
        self.sites = SqlRepository(work, Site, tables.sites.c.id, "site")
        self.assets = SqlRepository(work, Asset, tables.assets.c.id, "asset")
        self.parts = SqlRepository(work, Part, tables.parts.c.code, "part")
        self.warehouses = SqlRepository(work, Warehouse, tables.warehouses.c.id, "warehouse")
        self.sla_policies = SqlSlaPolicyRepository(work)
        self.users = SqlUserRepository(work, User, tables.users.c.id, "user")
        self.api_keys = SqlApiKeyRepository(work, ApiKey, tables.api_keys.c.id, "API key")
        self.orders = SqlOrderRepository(work, WorkOrder, tables.work_orders.c.id, "work order")
        self.idempotency = SqlIdempotencyStore(work)
        self.outbox = SqlOutbox(work)
        self.decisions = SqlDecisions(work)
        self.positions = SqlPositions(self.session)
        self.field_reports = SqlFieldReports(self.session)
        self.alert_acks = SqlAlertAcks(self.session)
        self.triage_rules = SqlRepository(work, TriageRule, tables.triage_rules.c.id, "triage rule")
        self._recorded = []
        return self

    def __exit__(self, *args: object) -> None:
        # close() ends the transaction without a commit but, unlike rollback(), leaves the loaded
        # objects readable (detached), as the in-memory store does.
        self._forget_pending()
        self.session.close()

    def commit(self) -> None:
        touched = self._touched_orders()
        events = [*self._recorded, *(e for order in touched for e in order.events)]
        try:
            with self._errors_translated():
                self._write()
                now = self._clock()
                self.outbox.append([OutboxMessage(None, e.name, e.payload(), now) for e in events])
                self.session.commit()
        except BaseException:
            self.rollback()
            raise
        self._recorded.clear()
        for order in touched:
            order.events.clear()
        self._events.extend(events)

    def changes_since(self, revision: int | None) -> StoreChanges | None:
        """No change log in the database: caches derived from it rebuild from a fresh read."""
        return None

    def rollback(self) -> None:
        self.session.rollback()
        self._forget_pending()

    def _forget_pending(self) -> None:
        self._work.history_saved.clear()
        self.sla_policies.reset()
        self.idempotency.new = []
        self.decisions.new = []
        self.positions.new = []
        self.field_reports.new = []
        self.alert_acks.new = []
        self._recorded.clear()

    def record(self, event: Event) -> None:
        self._recorded.append(event)

    def collect_new_events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.pop(0)

    def _pending_rows(self) -> list[object]:
        """What is being inserted: new objects and records held for commit (names a taken key)."""
        return [*self.session.new, *self.idempotency.new, *self.decisions.new, *self.sla_policies.pending()]

    def _touched_orders(self) -> list[WorkOrder]:
        session = self.session
        candidates: list[Any] = [*session.identity_map.values(), *session.new, *session.deleted]
        seen: dict[int, WorkOrder] = {}
        for obj in candidates:
            if isinstance(obj, WorkOrder):
                seen.setdefault(id(obj), obj)
        return list(seen.values())

    def _flush(self) -> None:
        """Flush pending changes (so queries see them), with database errors translated."""
        with self._errors_translated():
            self._write_objects()

    @contextmanager
    def _errors_translated(self) -> Iterator[None]:
        pending = self._pending_rows()  # read before the write: a failed flush forgets them
        try:
            yield
        except SQLAlchemyError as error:
            domain_error = translate(error, pending=pending)
            if domain_error is None:
                raise
            raise domain_error from error

    def _write(self) -> None:
        self._write_objects()
        self.idempotency.write()
        self.decisions.write()
        self.positions.write()
        self.field_reports.write()
        self.alert_acks.write()

    def _write_objects(self) -> None:
        self.session.flush()
        self._append_history()
        self.sla_policies.write()

    def _append_history(self) -> None:
        saved = self._work.history_saved
        rows: list[dict[str, Any]] = []
        for obj in self.session.identity_map.values():
            if isinstance(obj, WorkOrder):
                first = saved.get(obj, 0)
                rows.extend(history_rows(obj, first=first))
                saved[obj] = len(obj.history)
        if rows:
            self.session.execute(insert(tables.order_history), rows)
