"""The simulator's store: the service layer's in-memory unit of work with cheaper copies.

`MemoryUnitOfWork` deep-copies every object it hands out and writes back, which is right for unit
tests and too slow for a day of 5,000 orders. This subclass keeps its semantics (copies out, copies
in at commit, stale versions refused; queries filter the committed rows through the orders index
before copying what they return) but copies one level deep (entities hold only immutable values
inside their lists and dicts; frozen objects are shared).

May import: fieldpilot.service and fieldpilot.domain.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Self

from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.service.memory import (
    MemoryApiKeyRepository,
    MemoryOrderRepository,
    MemoryRepository,
    MemoryTechnicianRepository,
    MemoryUnitOfWork,
    MemoryUserRepository,
    clone,
)

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

    def _copy_out(self, stored: Any) -> Any:
        return light_copy(stored)

    def _copy_in(self, obj: Any) -> Any:
        return light_copy(obj)


class LightRepository(_Light, MemoryRepository[Any]):
    pass


class LightTechnicianRepository(_Light, MemoryTechnicianRepository):
    pass


class LightOrderRepository(_Light, MemoryOrderRepository):
    pass


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
        self.orders = LightOrderRepository(db, "orders", lambda o: o.id)
        return self
