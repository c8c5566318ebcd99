"""Request and response models of the catalogue: skills, parts, customers, sites, assets, warehouses.

Each resource has a create model (`to_resource(new_id)`), a patch model (`changes()`: only the
fields sent) and an output model read from the domain object or its view.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from fieldpilot.api.schemas.common import (
    Code,
    InputModel,
    LocationIn,
    LocationOut,
    Name,
    ObjectId,
    OutputModel,
    PatchModel,
    Quantity,
    Text,
)
from fieldpilot.domain.resources import Asset, Customer, Part, Site, Skill, Warehouse
from fieldpilot.domain.values import CustomerTier

Email = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class ResourceCreate(InputModel):
    def to_resource(self, new_id: str) -> Any:
        raise NotImplementedError


# -- skills ------------------------------------------------------------------------------------


class SkillCreate(ResourceCreate):
    code: Code
    name: Name
    description: Text = ""

    def to_resource(self, new_id: str) -> Skill:
        return Skill(**self.domain_fields())


class SkillPatch(PatchModel):
    name: Name | None = None
    description: Text | None = None


class SkillOut(OutputModel):
    code: str
    name: str
    description: str
    version: int


# -- parts -------------------------------------------------------------------------------------


class PartCreate(ResourceCreate):
    code: Code
    name: Name
    unit_cost_cents: int = Field(default=0, ge=0, le=10**10)

    def to_resource(self, new_id: str) -> Part:
        return Part(**self.domain_fields())


class PartPatch(PatchModel):
    name: Name | None = None
    unit_cost_cents: int | None = Field(default=None, ge=0, le=10**10)


class PartOut(OutputModel):
    code: str
    name: str
    unit_cost_cents: int
    version: int


# -- customers ---------------------------------------------------------------------------------


class CustomerCreate(ResourceCreate):
    id: ObjectId | None = None
    name: Name
    tier: CustomerTier = CustomerTier.STANDARD
    email: str | None = Email
    phone: str | None = Field(default=None, max_length=40)
    excluded_technicians: frozenset[ObjectId] = frozenset()
    required_technicians: frozenset[ObjectId] = frozenset()

    def to_resource(self, new_id: str) -> Customer:
        return Customer(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class CustomerPatch(PatchModel):
    nullable = frozenset({"email", "phone"})
    name: Name | None = None
    tier: CustomerTier | None = None
    email: str | None = Email
    phone: str | None = Field(default=None, max_length=40)
    excluded_technicians: frozenset[ObjectId] | None = None
    required_technicians: frozenset[ObjectId] | None = None


class CustomerOut(OutputModel):
    id: str
    name: str
    tier: CustomerTier
    email: str | None
    phone: str | None
    excluded_technicians: list[str]
    required_technicians: list[str]
    version: int


# -- sites -------------------------------------------------------------------------------------


class SiteCreate(ResourceCreate):
    id: ObjectId | None = None
    customer_id: ObjectId
    name: Name
    address: str = Field(min_length=1, max_length=500)
    location: LocationIn
    access_notes: Text = ""
    territory: Code | None = None

    def to_resource(self, new_id: str) -> Site:
        return Site(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class SitePatch(PatchModel):
    nullable = frozenset({"territory"})
    name: Name | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500)
    location: LocationIn | None = None
    access_notes: Text | None = None
    territory: Code | None = None


class SiteOut(OutputModel):
    id: str
    customer_id: str
    name: str
    address: str
    location: LocationOut
    access_notes: str
    territory: str | None
    version: int


# -- assets ------------------------------------------------------------------------------------


class AssetCreate(ResourceCreate):
    id: ObjectId | None = None
    site_id: ObjectId
    model: Name
    serial: str = Field(min_length=1, max_length=100)
    installed_on: date | None = None

    def to_resource(self, new_id: str) -> Asset:
        return Asset(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class AssetPatch(PatchModel):
    nullable = frozenset({"installed_on"})
    site_id: ObjectId | None = None
    model: Name | None = None
    serial: str | None = Field(default=None, min_length=1, max_length=100)
    installed_on: date | None = None


class AssetOut(OutputModel):
    id: str
    site_id: str
    model: str
    serial: str
    installed_on: date | None
    version: int


# -- warehouses --------------------------------------------------------------------------------


class WarehouseCreate(ResourceCreate):
    id: ObjectId | None = None
    name: Name
    location: LocationIn
    stock: dict[Code, Quantity] = Field(default_factory=dict, max_length=10_000)

    def to_resource(self, new_id: str) -> Warehouse:
        return Warehouse(id=self.id or new_id, **self.domain_fields(exclude=frozenset({"id"})))


class WarehousePatch(PatchModel):
    name: Name | None = None
    location: LocationIn | None = None
    stock: dict[Code, Quantity] | None = Field(default=None, max_length=10_000)


class WarehouseOut(OutputModel):
    id: str
    name: str
    location: LocationOut
    stock: dict[str, int]
    version: int
