"""Live operations: technicians' positions, live traffic factors, and re-planning on demand.

A position ping feeds ETAs and lateness (a technician reports only their own); whoever lists every
order (dispatchers, managers) reads the last position of each technician; a traffic change
and an explicit re-plan need plan:change (dispatchers). Re-plans otherwise run in the background
on their triggers; this route runs one now and answers with what it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from fieldpilot.api.deps import BusDep, CurrentActor, ServicesDep, UowFactoryDep, requires
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Location
from fieldpilot.service.permissions import Permission, authorize

router = APIRouter(tags=["operations"])


class PositionIn(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: AwareDatetime | None = Field(default=None, description="When the fix was taken; now if absent")


@router.post(
    "/technicians/{technician_id}/position",
    status_code=204,
    dependencies=[requires(Permission.POSITION_REPORT, object_scoped=True)],
    description="A position report from the technician's device or the van's telematics.",
)
def report_position(technician_id: str, body: PositionIn, actor: CurrentActor, bus: BusDep) -> None:
    authorize(actor, Permission.POSITION_REPORT, technician_id=technician_id)
    bus.handle(
        cmd.ReportPosition(
            actor=actor.ref, technician_id=technician_id, location=Location(body.lat, body.lon), at=body.at
        )
    )


class PositionOut(BaseModel):
    technician_id: str
    lat: float
    lon: float
    at: datetime = Field(description="When the fix was taken")


@router.get(
    "/positions",
    response_model=list[PositionOut],
    dependencies=[requires(Permission.ORDER_LIST)],
    description="The last reported position of each technician (of those named, when `technician_id` is given).",
)
def latest_positions(
    uow_factory: UowFactoryDep,
    technician_id: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    with uow_factory() as uow:
        found = uow.positions.latest(technician_id)
    return [
        {"technician_id": p.technician_id, "lat": p.location.lat, "lon": p.location.lon, "at": p.at}
        for p in sorted(found.values(), key=lambda p: p.technician_id)
    ]


class TrafficOut(BaseModel):
    areas: dict[str, float]


class TrafficIn(BaseModel):
    factor: float = Field(ge=0.1, le=10, description="1.0 is normal; 1.5: trips touching the area take 50% longer")


class TrafficChangeOut(BaseModel):
    area: str
    factor: float
    changed: bool


@router.get("/traffic", response_model=TrafficOut, dependencies=[requires(Permission.CATALOG_READ)])
def read_traffic(services: ServicesDep) -> dict[str, Any]:
    feed = services.dispatch.traffic
    return {"areas": {} if feed is None else feed.factors()}


@router.put("/traffic/{area}", response_model=TrafficChangeOut, dependencies=[requires(Permission.PLAN)])
def set_traffic(
    body: TrafficIn, actor: CurrentActor, bus: BusDep, area: str = Path(min_length=1, max_length=64)
) -> dict[str, Any]:
    result: dict[str, Any] = bus.handle(cmd.SetTrafficFactor(actor=actor.ref, area=area, factor=body.factor))
    return result


class ReplanIn(BaseModel):
    time_budget_seconds: float = Field(default=5.0, gt=0, le=60)
    seed: int = Field(default=0, ge=0)
    # false: a fleet larger than the engine's replan_max_technicians is re-planned around the focus
    # (or the orders at risk) only, as the background worker does
    whole_region: bool = True
    focus_orders: list[str] = Field(default_factory=list, max_length=200)
    focus_technicians: list[str] = Field(default_factory=list, max_length=200)


class ReplanOut(BaseModel):
    trigger: str
    technicians: int  # how many technicians the re-plan covered
    applied: bool
    current_cost: float
    new_cost: float
    solver: str
    solve_seconds: float
    assigned: int = 0
    reassigned: int = 0
    retimed: int = 0
    unassigned: int = 0
    eta_changes: int = 0


@router.post("/replan", response_model=ReplanOut, dependencies=[requires(Permission.PLAN)])
def replan_now(body: ReplanIn, actor: CurrentActor, bus: BusDep) -> dict[str, Any]:
    result: dict[str, Any] = bus.handle(
        cmd.Replan(
            actor=actor.ref,
            time_budget_seconds=body.time_budget_seconds,
            seed=body.seed,
            trigger=f"requested by {actor.name or actor.ref}",
            whole_region=body.whole_region,
            use_solver=True,
            focus_orders=tuple(body.focus_orders),
            focus_technicians=tuple(body.focus_technicians),
        )
    )
    return result
