"""The customer's tracking link: public, by an unguessable per-order token.

It shows only status, ETA window, the technician's first name and the rating form. Unknown
tokens all get the same 404, guessing is rate-limited per client (429), and responses are
neither cached nor leaked through Referer (`TrackingHeadersMiddleware` sets the headers on
errors too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from fieldpilot.access import TRACKING_TOKEN_SHAPE, TokenGuard
from fieldpilot.api.deps import BusDep, UowFactoryDep
from fieldpilot.api.schemas.orders import RatingIn, RatingOut, TrackingOut
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import NotFound
from fieldpilot.service import queries

router = APIRouter(prefix="/track", tags=["tracking"])

# No constraints on the path: a malformed token gets the same 404 as an unknown one.
Token = Annotated[str, Path()]


def _known_shape(token: str) -> str:
    if not TRACKING_TOKEN_SHAPE.match(token):
        raise NotFound("tracking link", "")
    return token


def _guard(request: Request) -> TokenGuard:
    guard = getattr(request.app.state, "tracking_guard", None)
    if guard is None:
        guard = request.app.state.tracking_guard = TokenGuard()
    return guard


def _guarded(request: Request, token: str, read: Callable[[str], Any]) -> Any:
    """Unknown tokens count against the client; too many in the window and it is refused (429)."""
    guard = _guard(request)
    client = request.client.host if request.client else "unknown"
    guard.check(client)
    try:
        return read(_known_shape(token))
    except NotFound:
        guard.miss(client)
        raise


@router.get("/{token}", response_model=TrackingOut)
def track(token: Token, request: Request, uow_factory: UowFactoryDep) -> dict[str, Any]:
    view: dict[str, Any] = _guarded(request, token, lambda known: queries.tracking(uow_factory, known))
    return view


@router.post("/{token}/rating", response_model=RatingOut)
def rate(token: Token, request: Request, body: RatingIn, bus: BusDep) -> Any:
    return _guarded(
        request,
        token,
        lambda known: bus.handle(cmd.RateWorkOrder(tracking_token=known, rating=body.rating, comment=body.comment)),
    )
