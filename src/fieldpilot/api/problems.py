"""RFC 9457 problem responses: the one table that maps domain errors to HTTP, and the handlers.

Every error leaves the API as `application/problem+json` with type, title, status, detail and
instance, plus the members that help a client act on it (`field`, `current_status`,
`allowed_actions`, ...). Unexpected errors become a 500 that reveals nothing of the internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldpilot.domain import errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:fieldpilot:problem:"
TRACKING_PREFIX = "/api/v1/track/"


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str
    slug: str
    extras: Callable[[Any], dict[str, Any]] = lambda error: {}

    @property
    def type(self) -> str:
        return TYPE_BASE + self.slug


# The one table: most specific class first wins, by walking the error's MRO.
PROBLEMS: Mapping[type[errors.FieldpilotError], ProblemType] = {
    errors.InvalidInput: ProblemType(422, "Invalid input", "invalid-input", lambda e: {"field": e.field}),
    errors.NotFound: ProblemType(404, "Not found", "not-found"),
    errors.PermissionDenied: ProblemType(403, "Forbidden", "forbidden"),
    errors.AuthenticationFailed: ProblemType(401, "Not authenticated", "not-authenticated"),
    errors.TooManyAttempts: ProblemType(
        429, "Too many attempts", "too-many-attempts", lambda e: {"retry_after_seconds": e.retry_after_seconds}
    ),
    errors.IllegalTransition: ProblemType(
        409,
        "Illegal transition",
        "illegal-transition",
        lambda e: {"current_status": e.current, "action": e.action, "allowed_actions": list(e.allowed)},
    ),
    errors.VersionMismatch: ProblemType(
        412, "Precondition failed", "stale-version", lambda e: {"current_version": e.actual}
    ),
    errors.PreconditionRequired: ProblemType(428, "Precondition required", "if-match-required"),
    errors.SlotTaken: ProblemType(
        409,
        "Slot taken",
        "slot-taken",
        lambda e: {"technician_id": e.technician_id, "conflicting_order_id": e.order_id},
    ),
    errors.AlreadyExists: ProblemType(409, "Already exists", "already-exists"),
    errors.IdempotencyKeyReused: ProblemType(
        422, "Idempotency key reused", "idempotency-key-reused", lambda e: {"field": "Idempotency-Key"}
    ),
    errors.Conflict: ProblemType(409, "Conflict", "conflict"),
}

_FALLBACK = ProblemType(500, "Internal server error", "internal")


def problem_type_of(error: errors.FieldpilotError) -> ProblemType:
    for cls in type(error).__mro__:
        found = PROBLEMS.get(cls)
        if found is not None:
            return found
    return _FALLBACK


def _instance(path: str) -> str | None:
    # A tracking token is a secret: never echo it back (and keep every unknown-token 404 identical).
    if path.startswith(TRACKING_PREFIX):
        return None
    return path


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    path: str,
    type_: str = "about:blank",
    extras: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    instance = _instance(path)
    if instance is not None:
        body["instance"] = instance
    body.update(extras or {})
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="fieldpilot"')
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.FieldpilotError)
    kind = problem_type_of(exc)
    return problem_response(
        status=kind.status,
        title=kind.title,
        detail=exc.message,
        path=request.url.path,
        type_=kind.type,
        extras=kind.extras(exc),
    )


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = [
        {"field": field_path(tuple(error.get("loc", ()))), "message": str(error.get("msg", "invalid"))}
        for error in exc.errors()
    ]
    first = found[0] if found else {"field": "", "message": "invalid request"}
    return problem_response(
        status=422,
        title="Invalid input",
        detail=f"{first['field']}: {first['message']}",
        path=request.url.path,
        type_=PROBLEMS[errors.InvalidInput].type,
        extras={"field": first["field"], "errors": found},
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem_response(
        status=exc.status_code,
        title=phrase,
        detail=detail,
        path=request.url.path,
        headers=exc.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.FieldpilotError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(UnexpectedErrorMiddleware)


class UnexpectedErrorMiddleware:
    """Turns an unhandled exception into a bare 500 problem (logged with its traceback here,
    never shown to the client)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            response = problem_response(
                status=500,
                title="Internal server error",
                detail="The server could not complete the request.",
                path=str(scope.get("path", "")),
                type_=_FALLBACK.type,
            )
            await response(scope, receive, send)
