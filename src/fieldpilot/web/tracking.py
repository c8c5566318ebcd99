"""The customer's tracking page data: the service layer's tracking view, plus the technician's
live position while (and only while) they are en route, if the company shares it.

Guessing is rate-limited: a client that asks for too many unknown tokens in a window is refused
for the rest of it. The order id never leaves the server; the live stream is filtered by it.

May import: bootstrap, service, domain, the standard library.
"""

from __future__ import annotations

import math
from typing import Any

from fieldpilot.access import TRACKING_TOKEN_SHAPE
from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import NotFound
from fieldpilot.service import queries
from fieldpilot.web.live import LiveHub

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
# The technician is named only while coming or there; their position only while coming.
NAMED = frozenset({"en_route", "on_site"})
TIMELINE = ("new", "assigned", "accepted", "en_route", "on_site", "completed")


def order_id_for(services: Services, token: str) -> str:
    if not TRACKING_TOKEN_SHAPE.match(token):
        raise NotFound("tracking link", "")
    with services.uow_factory() as uow:
        order = uow.orders.get_by_tracking_token(token)
    if order is None:
        raise NotFound("tracking link", "")
    return order.id


def tracking_page_view(services: Services, hub: LiveHub, token: str) -> dict[str, Any]:
    view = queries.tracking(services.uow_factory, token)
    position = None
    if view["status"] == "en_route" and services.settings.share_technician_position:
        with services.uow_factory() as uow:
            order = uow.orders.get_by_tracking_token(token)
            site = uow.sites.get(order.site_id) if order else None
        seen = hub.position_of(order.technician_id) if order and order.technician_id else None
        if seen is not None:
            away = None if site is None else _km(seen.lat, seen.lon, site.location.lat, site.location.lon)
            position = {
                "lat": round(seen.lat, 4),
                "lon": round(seen.lon, 4),
                "at": seen.at.isoformat(),
                "distance_km": None if away is None else round(away, 1),
            }
    if view["status"] not in NAMED:
        view = {**view, "technician_first_name": None}
    return {**view, "position": position, "timeline": list(TIMELINE)}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
