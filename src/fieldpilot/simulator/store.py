"""The simulator's store: the service layer's in-memory unit of work with cheaper copies.

`MemoryUnitOfWork` deep-copies every object it hands out and lists by copying the whole table,
which is right for unit tests and far too slow for a day of 5,000 orders (every dispatch reads
every order ever created). This subclass keeps its semantics (copies out, copies in at commit,
stale versions refused) but copies one level deep (entities hold only immutable values inside
their lists and dicts; frozen objects are shared) and filters on the committed rows before
copying, so a search copies only what it returns.

May import: fieldpilot.service and fieldpilot.domain.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self

from fieldpilot.domain.work_order import BOOKED_STATUSES, OPEN_STATUSES, WorkOrder
from fieldpilot.service.memory import (
    MemoryApiKeyRepository,
    MemoryRepository,
    MemoryTechnicianRepository,
    MemoryUnitOfWork,
    MemoryUserRepository,
    clone,
)
from fieldpilot.service.order_filters import order_matches, order_sort_key
from fieldpilot.service.unit_of_work import OrderQuery, Page

_FROZEN: dict[type, bool] = {}


def light_copy(obj: Any) -> Any:
    """A copy whose own lists, dicts and sets are new; what they hold is immutable and shared."""
    kind = type(obj)
    frozen = _FROZEN.get(kind)
    if frozen is None:
        params = getattr(kind, "__dataclass_params__", None)
        frozen = _FROZEN[kind] = bool(params and params.frozen)
    if frozen:
        return obj
    if not dataclasses.is_dataclass(obj):
        return copy.deepcopy(obj)
    if "_sa_instance_state" in vars(obj):
        # Storage mapped the domain classes in this process (tests mix both stores): a shallow copy
        # would share the ORM's bookkeeping with the original, so build the copy through __init__.
        return clone(obj)
    new = copy.copy(obj)
    for name, value in vars(obj).items():
        if isinstance(value, list | dict | set):
            setattr(new, name, copy.copy(value))
    if isinstance(new, WorkOrder):
        new.events = []
    return new


class _Light:
    """Mixin: track and write light copies instead of deep ones."""

    _table: dict[str, Any]
    seen: dict[str, Any]
    deleted: set[str]
    loaded_versions: dict[str, object]

    def _track(self, key: str, stored: Any) -> Any:
        if key in self.seen:
            return self.seen[key]
        obj = light_copy(stored)
        self.seen[key] = obj
        self.loaded_versions[key] = getattr(stored, "version", None)
        return obj

    def write(self) -> None:
        for key, obj in self.seen.items():
            if key not in self.deleted:
                self._table[key] = light_copy(obj)
        for key in self.deleted:
            self._table.pop(key, None)
            self.seen.pop(key, None)
        self.deleted.clear()
        self.loaded_versions = {k: getattr(o, "version", None) for k, o in self.seen.items()}

    def matching(self, keep: Callable[[Any], bool]) -> list[Any]:
        """Copies of the current objects that `keep` accepts, by key (filtered before copying)."""
        keys = [
            key
            for key in {**self._table, **self.seen}
            if key not in self.deleted and keep(self.seen.get(key, self._table.get(key)))
        ]
        return [self.get(key) for key in sorted(keys)]  # type: ignore[attr-defined]


class LightRepository(_Light, MemoryRepository[Any]):
    pass


class LightTechnicianRepository(_Light, MemoryTechnicianRepository):
    pass


class LightOrderRepository(_Light, MemoryRepository[WorkOrder]):
    def get_by_tracking_token(self, token: str) -> WorkOrder | None:
        found = self.matching(lambda o: o.tracking_token == token)
        return found[0] if found else None

    def search(self, query: OrderQuery) -> Page[WorkOrder]:
        found = self.matching(lambda o: order_matches(o, query))
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

        return self.matching(overlaps)

    def open_orders(self) -> list[WorkOrder]:
        return self.matching(lambda o: o.status in OPEN_STATUSES)


class SimulationUnitOfWork(MemoryUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        db = self.db
        self.skills = LightRepository(db, "skills", lambda o: o.code)
        self.technicians = LightTechnicianRepository(db, "technicians", lambda o: o.id)
        self.customers = LightRepository(db, "customers", lambda o: o.id)
        self.sites = LightRepository(db, "sites", lambda o: o.id)
        self.assets = LightRepository(db, "assets", lambda o: o.id)
        self.parts = LightRepository(db, "parts", lambda o: o.code)
        self.warehouses = LightRepository(db, "warehouses", lambda o: o.id)
        self.sla_policies = LightRepository(db, "sla_policies", lambda o: o.id)
        self.triage_rules = LightRepository(db, "triage_rules", lambda o: o.id)
        self.users = MemoryUserRepository(db, "users", lambda o: o.id)
        self.api_keys = MemoryApiKeyRepository(db, "api_keys", lambda o: o.id)
        self.orders = LightOrderRepository(db, "orders", lambda o: o.id)  # type: ignore[assignment]
        return self
