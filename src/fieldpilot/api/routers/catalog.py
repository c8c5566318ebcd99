"""The catalogue: skills, parts, warehouses, customers, sites, assets (with their service history),
SLA policies and triage rules. Each gets the five routes of `crud.resource_router`."""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path

from fieldpilot.api.deps import NowDep, UowFactoryDep, requires
from fieldpilot.api.routers.crud import ResourceSpec, read_one, resource_router
from fieldpilot.api.schemas.orders import OrderOut
from fieldpilot.api.schemas.resources import (
    AssetCreate,
    AssetOut,
    AssetPatch,
    CustomerCreate,
    CustomerOut,
    CustomerPatch,
    PartCreate,
    PartOut,
    PartPatch,
    SiteCreate,
    SiteOut,
    SitePatch,
    SkillCreate,
    SkillOut,
    SkillPatch,
    WarehouseCreate,
    WarehouseOut,
    WarehousePatch,
)
from fieldpilot.api.schemas.rules import (
    SlaPolicyCreate,
    SlaPolicyOut,
    SlaPolicyPatch,
    TriageRuleCreate,
    TriageRuleOut,
    TriageRulePatch,
)
from fieldpilot.domain.commands import ResourceKind as K
from fieldpilot.service import queries
from fieldpilot.service.permissions import Permission
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.sla.policy import SlaPolicy

# SlaPolicy has no version field yet; PATCH/DELETE of policies appear once it has one.
SLA_POLICIES_VERSIONED = any(f.name == "version" for f in dataclasses.fields(SlaPolicy))

SPECS = (
    ResourceSpec(K.SKILL, "/skills", SkillCreate, SkillPatch, SkillOut, "skill"),
    ResourceSpec(K.PART, "/parts", PartCreate, PartPatch, PartOut, "part"),
    ResourceSpec(K.WAREHOUSE, "/warehouses", WarehouseCreate, WarehousePatch, WarehouseOut, "wh"),
    ResourceSpec(K.CUSTOMER, "/customers", CustomerCreate, CustomerPatch, CustomerOut, "cust"),
    ResourceSpec(K.SITE, "/sites", SiteCreate, SitePatch, SiteOut, "site"),
    ResourceSpec(K.ASSET, "/assets", AssetCreate, AssetPatch, AssetOut, "asset"),
    ResourceSpec(
        K.SLA_POLICY,
        "/sla-policies",
        SlaPolicyCreate,
        SlaPolicyPatch,
        SlaPolicyOut,
        "sla",
        versioned=SLA_POLICIES_VERSIONED,
    ),
    ResourceSpec(K.TRIAGE_RULE, "/triage-rules", TriageRuleCreate, TriageRulePatch, TriageRuleOut, "tr"),
)

AssetId = Annotated[str, Path(min_length=1, max_length=64)]
_HISTORY_PAGE = 500
_HISTORY_MAX = 10_000


def asset_history_router() -> APIRouter:
    router = APIRouter(prefix="/assets", tags=["assets"])

    @router.get(
        "/{asset_id}/history",
        response_model=list[OrderOut],
        dependencies=[requires(Permission.ORDER_LIST)],
    )
    def asset_history(asset_id: AssetId, uow_factory: UowFactoryDep, now: NowDep) -> list[dict[str, Any]]:
        """The asset's service history: every order on it, oldest first."""
        read_one(uow_factory, K.ASSET, asset_id)
        found: list[dict[str, Any]] = []
        # The order query has no asset filter yet, so walk the orders page by page (bounded).
        for offset in range(0, _HISTORY_MAX, _HISTORY_PAGE):
            page = queries.list_orders(uow_factory, OrderQuery(offset=offset, limit=_HISTORY_PAGE, now=now))
            found += [o for o in page.items if o["asset_id"] == asset_id]
            if offset + _HISTORY_PAGE >= page.total:
                break
        return found

    return router


@cache
def routers() -> tuple[APIRouter, ...]:
    """Built once per process on first use (routes hold no state; services come per request)."""
    return (asset_history_router(), *(resource_router(spec) for spec in SPECS))
