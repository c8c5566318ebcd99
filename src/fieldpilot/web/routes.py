"""`create_web_router(services)`: the four screens and the read models and checks they need
beyond the API (schedule board, live map, queue, alerts, drag-and-drop preview and move, live
events, the technician's route, position reports and field reports, the dashboard, and the
public tracking page with its live stream).

Routes are thin: they check the caller, call the service layer (queries, snapshot, bus) or the
engine's pure checks, and shape JSON. Domain errors propagate to the app's problem handlers.

May import: bootstrap, service, engine (not solvers), domain, web, fastapi, starlette, pydantic.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field

from fieldpilot.access import TokenGuard
from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict, FieldpilotError, InvalidInput, NotFound, PermissionDenied
from fieldpilot.domain.values import Location
from fieldpilot.service import queries
from fieldpilot.service.permissions import Actor, Permission, authorize, check_role
from fieldpilot.web import board, dashboard, field, moves, operations, pages, tracking
from fieldpilot.web.access import current_actor
from fieldpilot.web.live import Message, Position, hub_of, stream

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
ORDER_EVENTS = frozenset({"EtaChanged", "StatusChanged", "OrderAssigned", "OrderReassigned", "OrderUnassigned"})


class MovePreviewIn(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    technician_id: str = Field(min_length=1, max_length=64)
    drop_at: AwareDatetime | None = None


class MoveIn(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    technician_id: str = Field(min_length=1, max_length=64)
    position: int | None = Field(default=None, ge=0, le=1000)
    drop_at: AwareDatetime | None = None
    reason: str = Field(default="", max_length=500)
    expected_version: int = Field(ge=1)


class PositionIn(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class FieldReportIn(BaseModel):
    notes: str = Field(default="", max_length=4000)
    parts_used: dict[str, int] = Field(default_factory=dict)
    photos: list[str] = Field(default_factory=list, max_length=10)
    signature: str | None = Field(default=None, max_length=2_000_000)
    occurred_at: AwareDatetime | None = None  # when it was written (queued offline); None: now
    client_id: str | None = Field(default=None, min_length=1, max_length=100)  # the device's id: replays are safe


def create_web_router(services: Services, *, position_period_seconds: int | None = None) -> APIRouter:
    """The screens and their endpoints. `position_period_seconds`: how often the technician app
    reports its position while on shift (default: the `position_report_seconds` setting)."""
    if position_period_seconds is None:
        position_period_seconds = services.settings.position_report_seconds
    if not 5 <= position_period_seconds <= 3600:
        raise ValueError("position_period_seconds must be 5..3600")
    router = APIRouter(include_in_schema=False)
    hub = hub_of(services.bus)
    guard = TokenGuard()
    env = pages.environment()

    def now() -> datetime:
        return services.deps.clock.now()

    def actor(request: Request, permission: Permission) -> Actor:
        return current_actor(services, request, permission)

    # --- pages ---------------------------------------------------------------------------

    @router.get("/")
    def index() -> Response:
        return pages.page(env, services, "index")

    @router.get("/console")
    def console() -> Response:
        return pages.page(env, services, "console", tile_url=services.settings.tile_url or "")

    @router.get("/technician")
    def technician_app() -> Response:
        return pages.page(env, services, "technician")

    @router.get("/technician/sw.js")
    def service_worker() -> Response:
        return pages.static_file("js/sw.js", headers={"Service-Worker-Allowed": "/technician"})

    @router.get("/technician/manifest.webmanifest")
    def manifest() -> Response:
        return pages.static_file("manifest.webmanifest")

    @router.get("/dashboard")
    def manager_dashboard() -> Response:
        return pages.page(env, services, "dashboard")

    @router.get("/static/web/{path:path}")
    def static(path: str) -> Response:
        return pages.static_file(path)

    # --- dispatcher console ----------------------------------------------------------------

    @router.get("/web/api/board")
    def schedule_board(request: Request) -> dict[str, Any]:
        actor(request, Permission.ORDER_LIST)
        return board.schedule_board(services, now=now())

    @router.get("/web/api/map")
    def live_map(request: Request) -> dict[str, Any]:
        actor(request, Permission.ORDER_LIST)
        return board.live_map(services, hub, now=now())

    @router.get("/web/api/queue")
    def order_queue(request: Request) -> list[dict[str, Any]]:
        actor(request, Permission.ORDER_LIST)
        return operations.queue(services, now=now())

    @router.get("/web/api/alerts")
    def alerts(
        request: Request, backlog_threshold: Annotated[int, Query(ge=0, le=100_000)] = 10
    ) -> list[dict[str, Any]]:
        actor(request, Permission.ORDER_LIST)
        return operations.alerts(services, now=now(), backlog_threshold=backlog_threshold)

    @router.post("/web/api/alerts/{alert_id}/ack")
    def acknowledge(alert_id: str, request: Request) -> dict[str, Any]:
        who = actor(request, Permission.ORDER_DISPATCH)
        result: dict[str, Any] = services.bus.handle(
            cmd.AcknowledgeAlert(actor=who.ref, alert_id=alert_id, name=who.name or who.ref)
        )
        return result

    @router.post("/web/api/moves/preview")
    def preview_move(body: MovePreviewIn, request: Request) -> dict[str, Any]:
        actor(request, Permission.ORDER_DISPATCH)
        return moves.preview_move(
            services,
            order_id=body.order_id,
            technician_id=body.technician_id,
            drop_at=body.drop_at,
            now=now(),
        )

    @router.post("/web/api/moves")
    def commit_move(body: MoveIn, request: Request) -> dict[str, Any]:
        who = actor(request, Permission.ORDER_DISPATCH)
        return moves.commit_move(
            services,
            who,
            order_id=body.order_id,
            technician_id=body.technician_id,
            position=body.position,
            reason=body.reason,
            expected_version=body.expected_version,
            planned_start=body.drop_at,
        )

    @router.get("/web/api/events")
    async def live_events(request: Request) -> StreamingResponse:
        who = actor(request, Permission.SELF)
        if who.technician_id is None:
            check_role(who, Permission.ORDER_LIST)
        accepts = _technician_filter(services, who) if who.technician_id else (lambda _m: True)
        return StreamingResponse(
            stream(hub, accepts, is_disconnected=request.is_disconnected),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )

    # --- technician app --------------------------------------------------------------------

    @router.get("/web/api/me/route")
    def my_route(request: Request) -> dict[str, Any]:
        who = actor(request, Permission.SELF)
        if who.technician_id is None:
            raise PermissionDenied("only a technician has a route of their own")
        return {
            "technician_id": who.technician_id,
            "now": now().isoformat(),
            "position_period_seconds": position_period_seconds,
            "on_shift": field.on_shift(services, who.technician_id, now=now()),
            "stops": field.todays_route(services, who.technician_id, now=now()),
        }

    @router.post("/web/api/me/position", status_code=204)
    def report_position(body: PositionIn, request: Request) -> Response:
        who = actor(request, Permission.SELF)
        if who.technician_id is None:
            raise PermissionDenied("only a technician reports a position")
        at = now()
        if cmd.ReportPosition in services.bus.command_handlers:
            services.bus.handle(
                cmd.ReportPosition(
                    actor=who.ref,
                    technician_id=who.technician_id,
                    location=Location(body.lat, body.lon),
                    at=at,
                )
            )
        hub.report_position(Position(who.technician_id, body.lat, body.lon, at, body.accuracy_m))
        return Response(status_code=204)

    @router.post("/web/api/orders/{order_id}/field-report")
    def field_report(order_id: str, body: FieldReportIn, request: Request) -> dict[str, Any]:
        who = actor(request, Permission.ORDER_FIELD_WORK)
        order = queries.load_order(services.uow_factory, order_id)
        authorize(who, Permission.ORDER_FIELD_WORK, order=order)
        result: dict[str, Any] = services.bus.handle(
            cmd.RecordFieldReport(
                actor=who.ref,
                order_id=order_id,
                notes=body.notes,
                parts_used=body.parts_used,
                photos=tuple(field.decode_image(p) for p in body.photos),
                signature=field.decode_image(body.signature, field="signature") if body.signature else None,
                occurred_at=body.occurred_at,
                idempotency_key=body.client_id,
            )
        )
        return result

    @router.get("/web/api/orders/{order_id}/field-report")
    def field_report_summary(order_id: str, request: Request) -> dict[str, Any]:
        who = actor(request, Permission.ORDER_READ)
        authorize(who, Permission.ORDER_READ, order=queries.load_order(services.uow_factory, order_id))
        with services.uow_factory() as uow:
            found = field.report_summary(uow, order_id)
        return found or {"order_id": order_id, "notes": [], "parts_used": {}, "photos": 0, "signed": False}

    @router.get("/web/api/orders/{order_id}/field-report/photos/{index}")
    def field_photo(order_id: str, index: int, request: Request) -> Response:
        who = actor(request, Permission.ORDER_READ)
        authorize(who, Permission.ORDER_READ, order=queries.load_order(services.uow_factory, order_id))
        with services.uow_factory() as uow:
            found = field.photo(uow, order_id, index)
        if found is None:
            raise NotFound("photo", f"{order_id}/{index}")
        return Response(found.data, media_type=found.media_type, headers={"Cache-Control": "private, no-store"})

    # --- manager dashboard -----------------------------------------------------------------

    @router.get("/web/api/dashboard")
    def dashboard_figures(request: Request) -> dict[str, Any]:
        actor(request, Permission.ORDER_LIST)
        return dashboard.dashboard(services, now=now())

    @router.get("/web/api/dashboard.csv")
    def dashboard_export(request: Request) -> Response:
        actor(request, Permission.ORDER_LIST)
        text = dashboard.dashboard_csv(dashboard.dashboard(services, now=now()))
        return PlainTextResponse(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="dashboard.csv"'},
        )

    # --- customer tracking (public) --------------------------------------------------------

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def guarded(request: Request, token: str) -> str | Response:
        client = client_of(request)
        if guard.blocked(client):
            return JSONResponse(
                {"title": "Too many requests", "status": 429, "detail": "too many unknown tracking links"},
                status_code=429,
                headers={**tracking.PRIVATE_HEADERS, "Retry-After": str(int(guard.window))},
            )
        try:
            return tracking.order_id_for(services, token)
        except NotFound:
            guard.miss(client)
            return JSONResponse(
                {"title": "Not found", "status": 404, "detail": "no such tracking link"},
                status_code=404,
                headers=tracking.PRIVATE_HEADERS,
            )

    @router.get("/track/{token}")
    def tracking_page(token: str, request: Request) -> Response:
        found = guarded(request, token)
        if isinstance(found, Response):
            return found
        return pages.page(env, services, "track", headers=tracking.PRIVATE_HEADERS, token=token)

    @router.get("/track/{token}/data")
    def tracking_data(token: str, request: Request) -> Response:
        found = guarded(request, token)
        if isinstance(found, Response):
            return found
        return JSONResponse(tracking.tracking_page_view(services, hub, token), headers=tracking.PRIVATE_HEADERS)

    @router.get("/track/{token}/events")
    async def tracking_events(token: str, request: Request) -> Response:
        found = await asyncio.to_thread(guarded, request, token)
        if isinstance(found, Response):
            return found
        order_id = found
        technician = await asyncio.to_thread(_technician_of, services, order_id)

        def accepts(message: Message) -> bool:
            payload = message["payload"]
            if message["name"] == "TechnicianPosition":
                return bool(payload.get("technician_id") == technician[0])
            return message["name"] in ORDER_EVENTS and payload.get("order_id") == order_id

        def shaped(message: Message) -> Message | None:
            technician[0] = _technician_of(services, order_id)[0]
            view = tracking.tracking_page_view(services, hub, token)
            return {"id": message["id"], "name": "tracking", "payload": view}

        first = [{"id": 0, "name": "tracking", "payload": tracking.tracking_page_view(services, hub, token)}]
        return StreamingResponse(
            stream(hub, accepts, first=first, transform=shaped, is_disconnected=request.is_disconnected),
            media_type="text/event-stream",
            headers={**SSE_HEADERS, **tracking.PRIVATE_HEADERS},
        )

    @router.post("/track/{token}/rating")
    async def tracking_rating(token: str, request: Request) -> Response:
        # Parsed here rather than by FastAPI so that every answer, refusals included, carries
        # the private headers (the API's middleware covers only /api/v1/track/).
        found = await asyncio.to_thread(guarded, request, token)
        if isinstance(found, Response):
            return found
        try:
            body = await request.json()
            rating = body.get("rating") if isinstance(body, dict) else None
            if not isinstance(rating, int) or isinstance(rating, bool):
                raise InvalidInput("rating", "a whole number from 1 to 5")
            comment = str(body.get("comment") or "")[:2000]
            command = cmd.RateWorkOrder(tracking_token=token, rating=rating, comment=comment)
            result = await asyncio.to_thread(services.bus.handle, command)
        except (ValueError, FieldpilotError) as error:
            status = 409 if isinstance(error, Conflict) else 422
            detail = error.message if isinstance(error, FieldpilotError) else "send JSON"
            return JSONResponse(
                {"title": "Not accepted", "status": status, "detail": detail},
                status_code=status,
                headers=tracking.PRIVATE_HEADERS,
            )
        return JSONResponse(result, headers=tracking.PRIVATE_HEADERS)

    @router.get("/track")
    def tracking_without_token() -> Response:
        return RedirectResponse("/", status_code=303)

    return router


def _technician_of(services: Services, order_id: str) -> list[str | None]:
    with services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    return [order.technician_id if order else None]


def _technician_filter(services: Services, who: Actor) -> Any:
    """A technician's stream: events about their own orders (as they stand now), nothing else."""

    def accepts(message: Message) -> bool:
        payload = message["payload"]
        if message["name"] == "TechnicianPosition":
            return False
        if who.technician_id in (
            payload.get("technician_id"),
            payload.get("to_technician_id"),
            payload.get("from_technician_id"),
        ):
            return True
        order_id = payload.get("order_id")
        if not order_id:
            return False
        holder: str | None = _technician_of(services, str(order_id))[0]
        return holder is not None and holder == who.technician_id

    return accepts
