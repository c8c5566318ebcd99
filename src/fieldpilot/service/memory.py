"""An in-memory unit of work: the fake for unit tests and the store of the simulator.

It behaves like the database where it matters: objects handed out are copies, nothing is visible
to others before commit, a commit whose object changed underneath it fails like a stale version
column would, and outbox rows are written with the changes. Like a database, it reads only what a
query can match: order queries go through an index of the committed orders (`OrderIndex`, by
technician, status and tracking token, kept by every write), and a commit writes back only the
objects that changed.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import pickle
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, Self, TypeVar

from fieldpilot.domain.errors import AlreadyExists, Conflict
from fieldpilot.domain.events import Event
from fieldpilot.domain.work_order import BOOKED_STATUSES, OPEN_STATUSES, OrderStatus, WorkOrder
from fieldpilot.service.order_filters import order_matches, order_sort_key
from fieldpilot.service.unit_of_work import (
    AlertAck,
    Attachment,
    DecisionRecord,
    FieldReportEntry,
    IdempotencyRecord,
    OrderQuery,
    OutboxMessage,
    Page,
    StoreChanges,
    TechnicianPosition,
)

T = TypeVar("T")


def clone(obj: T) -> T:
    """A deep copy built through the class's own constructor, from plain containers.

    Plain `deepcopy` would also copy bookkeeping an ORM may have attached (storage maps tables
    onto these same domain classes, and wraps their dicts and lists to track changes), leaving
    the copy tied to the original."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        values = {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        return type(obj)(**values)
    return copy.deepcopy(obj)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.deepcopy(value)


_NEW = object()  # marks an object added in this unit of work


@dataclass
class OrderIndex:
    """The committed orders' keys by technician, by status and by tracking token, kept by every
    write of the orders table (`MemoryOrderRepository`), so that a query reads the few orders it
    can match instead of every order ever stored. Only committed rows are indexed: a unit of work
    adds the objects it holds itself (`MemoryRepository.matching`)."""

    by_technician: dict[str, set[str]] = field(default_factory=dict)
    by_status: dict[OrderStatus, set[str]] = field(default_factory=dict)
    by_token: dict[str, set[str]] = field(default_factory=dict)

    def replace(self, key: str, before: WorkOrder | None, after: WorkOrder | None) -> None:
        """The stored row `key` went from `before` to `after` (None: absent)."""
        if before is not None:
            self._drop(self.by_technician, before.technician_id, key)
            self._drop(self.by_status, before.status, key)
            self._drop(self.by_token, before.tracking_token, key)
        if after is not None:
            if after.technician_id is not None:
                self.by_technician.setdefault(after.technician_id, set()).add(key)
            self.by_status.setdefault(after.status, set()).add(key)
            self.by_token.setdefault(after.tracking_token, set()).add(key)

    @staticmethod
    def _drop(index: dict[Any, set[str]], value: Any, key: str) -> None:
        keys = index.get(value)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del index[value]

    def technician(self, technician_id: str) -> set[str]:
        return self.by_technician.get(technician_id, set())

    def statuses(self, statuses: Iterable[OrderStatus]) -> set[str]:
        found: set[str] = set()
        for status in statuses:
            found |= self.by_status.get(status, set())
        return found

    def token(self, token: str) -> set[str]:
        return self.by_token.get(token, set())


@dataclass
class MemoryDatabase:
    """Committed state shared by every unit of work made from it."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    decisions: dict[str, list[StoredDecision]] = field(default_factory=dict)
    positions: dict[str, TechnicianPosition] = field(default_factory=dict)
    field_reports: list[FieldReportEntry] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    alert_acks: dict[str, AlertAck] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    order_index: OrderIndex = field(default_factory=OrderIndex)  # over tables["orders"]
    # The change log: every commit that changed something is a new revision; the log keeps the
    # (revision, kind, key) of the last CHANGE_LOG_SIZE changes, for caches derived from the store.
    revision: int = 0
    change_log: deque[tuple[int, str, str]] = field(default_factory=lambda: deque(maxlen=CHANGE_LOG_SIZE))
    log_floor: int = 0  # changes after this revision are all still in the log

    def table(self, name: str) -> dict[str, Any]:
        return self.tables.setdefault(name, {})

    def log_changes(self, changed: Sequence[tuple[str, str]]) -> None:
        if not changed:
            return
        self.revision += 1
        log = self.change_log
        for kind, key in changed:
            if len(log) == log.maxlen:
                self.log_floor = max(self.log_floor, log[0][0])
            log.append((self.revision, kind, key))

    def changes_since(self, revision: int) -> dict[str, set[str]] | None:
        """Keys changed after `revision`, by kind; None when the log no longer reaches back that far."""
        log = self.change_log
        if revision > self.revision or revision < self.log_floor:
            return None
        found: dict[str, set[str]] = {}
        for number, kind, key in reversed(log):
            if number <= revision:
                break
            found.setdefault(kind, set()).add(key)
        return found


CHANGE_LOG_SIZE = 200_000


class MemoryRepository(Generic[T]):
    def __init__(self, db: MemoryDatabase, name: str, key: Callable[[T], str]) -> None:
        self._table = db.table(name)
        self._key = key
        self.name = name
        self.seen: dict[str, T] = {}
        self.loaded_versions: dict[str, object] = {}
        self.deleted: set[str] = set()

    def _copy_out(self, stored: T) -> T:
        """The working copy handed out for a stored object."""
        obj = clone(stored)
        if isinstance(obj, WorkOrder):
            obj.events = []
        return obj

    def _copy_in(self, obj: T) -> T:
        """The object stored at commit for a working copy."""
        return clone(obj)

    def _stored(self, key: str, before: T | None, after: T | None) -> None:
        """Hook: the committed row `key` went from `before` to `after` (None: absent)."""

    def _track(self, key: str, stored: T) -> T:
        if key in self.seen:
            return self.seen[key]
        obj = self._copy_out(stored)
        self.seen[key] = obj
        self.loaded_versions[key] = getattr(stored, "version", None)
        return obj

    def get(self, key: str) -> T | None:
        if key in self.deleted:
            return None
        if key in self.seen:
            return self.seen[key]
        stored = self._table.get(key)
        return None if stored is None else self._track(key, stored)

    def add(self, obj: T) -> None:
        key = self._key(obj)
        self.deleted.discard(key)
        self.seen[key] = obj
        self.loaded_versions.setdefault(key, _NEW)

    def delete(self, obj: T) -> None:
        key = self._key(obj)
        self.deleted.add(key)

    def _keys(self) -> builtins.list[str]:
        """Every key this unit of work sees (committed or its own, not deleted), sorted."""
        return sorted(k for k in {**self._table, **self.seen} if k not in self.deleted)

    def all_committed(self) -> builtins.list[T]:
        return [self.get(k) for k in self._keys()]  # type: ignore[misc]

    def list(self, *, offset: int = 0, limit: int = 100) -> list[T]:
        return [self.get(k) for k in self._keys()[offset : offset + limit]]  # type: ignore[misc]

    def count(self) -> int:
        return len(self._keys())

    def matching(self, keep: Callable[[T], bool], *, among: Iterable[str] | None = None) -> builtins.list[T]:
        """Copies of the objects this unit of work sees that `keep` accepts, by key; `keep` reads the
        current object (its working copy, else the committed one) and only what it accepts is copied.
        `among`: the committed keys that can match (from an index; None: all of them) - the working
        copies are always considered, since they may have changed since."""
        pool = self._table.keys() if among is None else among
        current: builtins.list[str] = []
        for key in {*pool, *self.seen}:
            if key in self.deleted:
                continue
            obj = self.seen.get(key)
            if obj is None:
                obj = self._table.get(key)
            if obj is not None and keep(obj):
                current.append(key)
        return [self.get(key) for key in sorted(current)]  # type: ignore[misc]

    def check(self) -> None:
        for key, loaded in self.loaded_versions.items():
            stored = self._table.get(key)
            if loaded is _NEW:
                if stored is not None:
                    raise AlreadyExists(self.name, key)
            elif stored is None or getattr(stored, "version", None) != loaded:
                raise Conflict(f"{self.name} {key} was changed by someone else meanwhile; retry on fresh data")

    def changed_keys(self) -> Sequence[str]:
        """Keys this unit of work deleted, added or holds different from the committed object."""
        found = [key for key in self.deleted if key in self._table or key in self.seen]
        for key, obj in self.seen.items():
            if key in self.deleted:
                continue
            stored = self._table.get(key)
            if stored is None or self.loaded_versions.get(key) is _NEW or _differs(obj, stored):
                found.append(key)
        return found

    def write(self, changed: Collection[str] | None = None) -> None:
        """Store the changes: `changed` are the keys of `changed_keys()` (computed when None); the
        objects this unit of work holds unchanged stay stored as they are."""
        for key in self.changed_keys() if changed is None else changed:
            before = self._table.get(key)
            if key in self.deleted:
                self._table.pop(key, None)
                after = None
            else:
                after = self._table[key] = self._copy_in(self.seen[key])
            self._stored(key, before, after)
        for key in self.deleted:
            self.seen.pop(key, None)
        self.deleted.clear()
        self.loaded_versions = {k: getattr(o, "version", None) for k, o in self.seen.items()}


def _differs(obj: object, stored: object) -> bool:
    """Field by field (entities compare by identity), ignoring pending events."""
    if getattr(obj, "version", None) != getattr(stored, "version", None):
        return True
    kind = type(obj)
    if kind is not type(stored) or not dataclasses.is_dataclass(obj):
        return True
    names = _COMPARED.get(kind)
    if names is None:
        names = _COMPARED[kind] = tuple(f.name for f in dataclasses.fields(obj) if f.name != "events")
    try:
        return any(getattr(obj, name) != getattr(stored, name) for name in names)
    except Exception:  # values that cannot compare are taken as changed
        return True


_COMPARED: dict[type, tuple[str, ...]] = {}  # the fields `_differs` compares, by dataclass


class MemoryTechnicianRepository(MemoryRepository[Any]):
    def lock(self, key: str) -> Any:
        return self.get(key)


class MemoryUserRepository(MemoryRepository[Any]):
    def get_by_username(self, username: str) -> Any:
        return next(iter(self.matching(lambda u: u.username == username)), None)


class MemoryApiKeyRepository(MemoryRepository[Any]):
    def get_by_prefix(self, prefix: str) -> Any:
        return next(iter(self.matching(lambda k: k.prefix == prefix)), None)


class MemoryOrderRepository(MemoryRepository[WorkOrder]):
    """Queries read the orders the database's `OrderIndex` names (and this unit of work's own)."""

    def __init__(self, db: MemoryDatabase, name: str, key: Callable[[WorkOrder], str]) -> None:
        super().__init__(db, name, key)
        self._index = db.order_index

    def _stored(self, key: str, before: WorkOrder | None, after: WorkOrder | None) -> None:
        self._index.replace(key, before, after)

    def get_by_tracking_token(self, token: str) -> WorkOrder | None:
        found = self.matching(lambda o: o.tracking_token == token, among=self._index.token(token))
        return found[0] if found else None

    def search(self, query: OrderQuery) -> Page[WorkOrder]:
        among: Iterable[str] | None = None
        if query.technician_id is not None:
            among = self._index.technician(query.technician_id)
        elif query.statuses:
            among = self._index.statuses(query.statuses)
        found = self.matching(lambda o: order_matches(o, query), among=among)
        found.sort(key=order_sort_key(query.sort), reverse=query.descending)
        return Page(found[query.offset : query.offset + query.limit], len(found), query.offset, query.limit)

    def booked_for(self, technician_id: str, *, start: datetime, end: datetime) -> list[WorkOrder]:
        def overlaps(o: WorkOrder) -> bool:
            return (
                o.technician_id == technician_id
                and o.status in BOOKED_STATUSES
                and o.planned_start is not None
                and o.planned_end is not None
                and o.planned_start < end
                and start < o.planned_end
            )

        return self.matching(overlaps, among=self._index.technician(technician_id))

    def open_orders(self) -> list[WorkOrder]:
        return self.matching(lambda o: o.status in OPEN_STATUSES, among=self._index.statuses(OPEN_STATUSES))


class MemoryIdempotencyStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.new: list[IdempotencyRecord] = []

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        found = self._db.idempotency.get((scope, key))
        return found or next((r for r in self.new if (r.scope, r.key) == (scope, key)), None)

    def add(self, record: IdempotencyRecord) -> None:
        self.new.append(record)


class MemoryOutbox:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def pending(self, *, limit: int = 100) -> list[OutboxMessage]:
        return [m for m in self._db.outbox if m.published_at is None][:limit]

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        wanted = set(ids)
        self._db.outbox[:] = [
            OutboxMessage(m.id, m.name, m.payload, m.created_at, at) if m.id in wanted else m for m in self._db.outbox
        ]


class StoredDecision(NamedTuple):
    """A committed decision record, its body serialised: a record explains a dispatch against every
    technician (hundreds of small dicts and lists), and a day of them kept as objects made most of
    what each full garbage collection walks through. Read back as an equal record, a copy."""

    id: str
    order_id: str
    created_at: datetime
    kind: str
    body: bytes

    @classmethod
    def of(cls, record: DecisionRecord) -> StoredDecision:
        body = pickle.dumps(record.body, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(record.id, record.order_id, record.created_at, record.kind, body)

    def record(self) -> DecisionRecord:
        return DecisionRecord(self.id, self.order_id, self.created_at, self.kind, pickle.loads(self.body))


class MemoryDecisions:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.new: list[DecisionRecord] = []

    def add(self, record: DecisionRecord) -> None:
        self.new.append(record)

    def for_order(self, order_id: str) -> list[DecisionRecord]:
        stored = [d.record() for d in self._db.decisions.get(order_id, [])]
        return [*stored, *(r for r in self.new if r.order_id == order_id)]


class MemoryPositions:
    """Keeps only the newest position per technician (the simulator reports thousands)."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.new: list[TechnicianPosition] = []

    def add(self, position: TechnicianPosition) -> None:
        self.new.append(position)

    def latest(self, technician_ids: Sequence[str] | None = None) -> dict[str, TechnicianPosition]:
        stored = self._db.positions
        if technician_ids is None:
            return _newest(dict(stored), self.new)
        wanted = set(technician_ids)
        found = {k: stored[k] for k in wanted if k in stored}
        _newest(found, [p for p in self.new if p.technician_id in wanted])
        return {k: found[k] for k in technician_ids if k in found}

    def write(self) -> None:
        _newest(self._db.positions, self.new)
        self.new = []


def _newest(
    found: dict[str, TechnicianPosition], positions: Iterable[TechnicianPosition]
) -> dict[str, TechnicianPosition]:
    """`found` with each of `positions` put in unless it holds a later one for that technician."""
    for position in positions:
        known = found.get(position.technician_id)
        if known is None or known.at <= position.at:
            found[position.technician_id] = position
    return found


class MemoryFieldReports:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.new: list[tuple[FieldReportEntry, list[Attachment]]] = []

    def add(self, entry: FieldReportEntry, attachments: Sequence[Attachment] = ()) -> None:
        self.new.append((entry, list(attachments)))

    def entries(self, order_id: str) -> list[FieldReportEntry]:
        found = [*self._db.field_reports, *(e for e, _ in self.new)]
        return [e for e in found if e.order_id == order_id]

    def attachments(self, order_id: str, *, with_data: bool = False) -> list[Attachment]:
        found = [*self._db.attachments, *(a for _, files in self.new for a in files)]
        return [a if with_data else dataclasses.replace(a, data=b"") for a in found if a.order_id == order_id]

    def attachment(self, order_id: str, attachment_id: str) -> Attachment | None:
        return next((a for a in self._db.attachments if (a.order_id, a.id) == (order_id, attachment_id)), None)

    def write(self) -> None:
        for entry, files in self.new:
            self._db.field_reports.append(entry)
            self._db.attachments.extend(files)
        self.new = []


class MemoryAlertAcks:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.new: list[AlertAck] = []

    def add(self, ack: AlertAck) -> None:
        self.new.append(ack)

    def get_many(self, alert_ids: Sequence[str]) -> dict[str, AlertAck]:
        wanted = set(alert_ids)
        found = {k: v for k, v in self._db.alert_acks.items() if k in wanted}
        for ack in self.new:
            if ack.alert_id in wanted:
                found.setdefault(ack.alert_id, ack)
        return found

    def check(self) -> None:
        for ack in self.new:
            if ack.alert_id in self._db.alert_acks:
                raise AlreadyExists("alert acknowledgement", ack.alert_id)

    def write(self) -> None:
        for ack in self.new:
            self._db.alert_acks[ack.alert_id] = ack
        self.new = []


class MemoryUnitOfWork:
    """Commits are serialised by one lock, like a database with one writer."""

    def __init__(self, db: MemoryDatabase, clock: Callable[[], datetime]) -> None:
        self.db = db
        self._clock = clock
        self._events: list[Event] = []
        self._recorded: list[Event] = []

    def __enter__(self) -> Self:
        db = self.db
        self.skills = MemoryRepository[Any](db, "skills", lambda o: o.code)
        self.technicians = MemoryTechnicianRepository(db, "technicians", lambda o: o.id)
        self.customers = MemoryRepository[Any](db, "customers", lambda o: o.id)
        self.sites = MemoryRepository[Any](db, "sites", lambda o: o.id)
        self.assets = MemoryRepository[Any](db, "assets", lambda o: o.id)
        self.parts = MemoryRepository[Any](db, "parts", lambda o: o.code)
        self.warehouses = MemoryRepository[Any](db, "warehouses", lambda o: o.id)
        self.sla_policies = MemoryRepository[Any](db, "sla_policies", lambda o: o.id)
        self.triage_rules = MemoryRepository[Any](db, "triage_rules", lambda o: o.id)
        self.users = MemoryUserRepository(db, "users", lambda o: o.id)
        self.api_keys = MemoryApiKeyRepository(db, "api_keys", lambda o: o.id)
        self.orders = MemoryOrderRepository(db, "orders", lambda o: o.id)
        self.idempotency = MemoryIdempotencyStore(db)
        self.outbox = MemoryOutbox(db)
        self.decisions = MemoryDecisions(db)
        self.positions = MemoryPositions(db)
        self.field_reports = MemoryFieldReports(db)
        self.alert_acks = MemoryAlertAcks(db)
        self._events = []
        self._recorded = []
        return self

    def __exit__(self, *args: object) -> None:
        self.rollback()

    def _repositories(self) -> list[MemoryRepository[Any]]:
        return [
            self.skills,
            self.technicians,
            self.customers,
            self.sites,
            self.assets,
            self.parts,
            self.warehouses,
            self.sla_policies,
            self.triage_rules,
            self.users,
            self.api_keys,
            self.orders,
        ]

    def commit(self) -> None:
        with self.db.lock:
            for repo in self._repositories():
                repo.check()
            for record in self.idempotency.new:
                if (record.scope, record.key) in self.db.idempotency:
                    raise Conflict(f"Idempotency-Key {record.key!r} is being used by a concurrent request")
            self.alert_acks.check()
            events = self._pending_events()
            by_repo = [(repo, repo.changed_keys()) for repo in self._repositories()]
            changed = [(repo.name, key) for repo, keys in by_repo for key in keys]
            changed += [("positions", p.technician_id) for p in self.positions.new]
            for repo, keys in by_repo:
                repo.write(keys)
            for record in self.idempotency.new:
                self.db.idempotency[(record.scope, record.key)] = record
            for decision in self.decisions.new:
                self.db.decisions.setdefault(decision.order_id, []).append(StoredDecision.of(decision))
            self.positions.write()
            self.field_reports.write()
            self.alert_acks.write()
            now = self._clock()
            for event in events:
                self.db.outbox.append(OutboxMessage(len(self.db.outbox) + 1, event.name, event.payload(), now))
            self.idempotency.new = []
            self.decisions.new = []
            self._events.extend(events)
            self.db.log_changes(changed)

    def _changed(self) -> list[tuple[str, str]]:
        changed = [(repo.name, key) for repo in self._repositories() for key in repo.changed_keys()]
        changed += [("positions", p.technician_id) for p in self.positions.new]
        return changed

    def changes_since(self, revision: int | None) -> StoreChanges | None:
        with self.db.lock:
            current = self.db.revision
            committed = {} if revision is None else self.db.changes_since(revision)
        if committed is None:
            return None
        pending: dict[str, set[str]] = {}
        for kind, key in self._changed():
            pending.setdefault(kind, set()).add(key)
        return StoreChanges(
            revision=current,
            committed={k: frozenset(v) for k, v in committed.items()},
            uncommitted={k: frozenset(v) for k, v in pending.items()},
        )

    def record(self, event: Event) -> None:
        self._recorded.append(event)

    def _pending_events(self) -> list[Event]:
        events: list[Event] = list(self._recorded)
        self._recorded.clear()
        for order in self.orders.seen.values():
            events.extend(order.events)
            order.events.clear()
        return events

    def rollback(self) -> None:
        for repo in self._repositories():
            repo.seen.clear()
            repo.deleted.clear()
        self.idempotency.new = []
        self.decisions.new = []
        self.positions.new = []
        self.field_reports.new = []
        self.alert_acks.new = []
        self._recorded.clear()

    def collect_new_events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.pop(0)
