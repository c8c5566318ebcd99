"""The FastAPI app factory. Nothing happens at import time: `create_app()` builds the services
(through `bootstrap`) unless they are given, and mounts every router under `/api/v1`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldpilot.api.deps import API_PREFIX, ServicesDep
from fieldpilot.api.problems import TRACKING_PREFIX, install_problem_handlers
from fieldpilot.api.routers import auth, catalog, operations, orders, technicians, tracking, users
from fieldpilot.api.schemas.common import problem_responses
from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings

DESCRIPTION = """Dynamic dispatch for field-service work orders.

Sign in with `POST /api/v1/auth/token` (OAuth2 password flow) or send an integration's
`X-API-Key`. Updates need `If-Match` with the ETag of the version they are based on; creating
POSTs accept an `Idempotency-Key`. Errors are RFC 9457 `application/problem+json`.
"""


# Documented on every route; the domain's 404/409/412/428 are listed in the problem table.
PROBLEMS_DOCUMENTED = problem_responses(401, 403, 404, 409, 412, 422, 428)


class TrackingHeadersMiddleware:
    """The public tracking pages: never cached, never leaked through Referer (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(TRACKING_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", b"referrer-policy")
                ]
                headers += [(b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health(services: ServicesDep) -> dict[str, Any]:
        with services.uow_factory() as uow:
            uow.skills.count()  # proves the store answers
        return {"status": "ok"}

    return router


def _routers() -> list[APIRouter]:
    return [
        _health_router(),
        auth.router,
        users.router,
        orders.router,
        technicians.router,
        *catalog.routers(),
        tracking.router,
        operations.router,
    ]


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    owns_services = services is None
    if services is None:
        # The app owns its services: it is the long-running server, so background work starts.
        services = bootstrap(settings or Settings(), start_workers=True)
    ready: Services = services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_services:
                ready.dispose()

    app = FastAPI(
        title="fieldpilot",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = ready
    install_problem_handlers(app)
    app.add_middleware(TrackingHeadersMiddleware)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX, responses=PROBLEMS_DOCUMENTED)
    return app
