"""The customer's tracking link: public, by an unguessable per-order token.

It shows only status, ETA window, the technician's first name and the rating form. Unknown
tokens all get the same 404, and responses are neither cached nor leaked through Referer
(the headers are set by `TrackingHeadersMiddleware` for errors too).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path

from fieldpilot.api.deps import BusDep, UowFactoryDep
from fieldpilot.api.schemas.orders import RatingIn, RatingOut, TrackingOut
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import NotFound
from fieldpilot.service import queries

router = APIRouter(prefix="/track", tags=["tracking"])

# No constraints on the path: a malformed token gets the same 404 as an unknown one.
Token = Annotated[str, Path()]
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _known_shape(token: str) -> str:
    if not _TOKEN.match(token):
        raise NotFound("tracking link", "")
    return token


@router.get("/{token}", response_model=TrackingOut)
def track(token: Token, uow_factory: UowFactoryDep) -> dict[str, Any]:
    return queries.tracking(uow_factory, _known_shape(token))


@router.post("/{token}/rating", response_model=RatingOut)
def rate(token: Token, body: RatingIn, bus: BusDep) -> Any:
    return bus.handle(cmd.RateWorkOrder(tracking_token=_known_shape(token), rating=body.rating, comment=body.comment))
