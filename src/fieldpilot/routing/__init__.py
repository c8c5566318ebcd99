"""fieldpilot.routing: travel-time providers (adapters of the service layer's TravelTimes port).

    HaversineTravelTimes   default, offline: great circle x road factor, road-class speeds,
                           a time-of-day congestion profile, areas and live traffic
    OsrmTravelTimes        OSRM over HTTP (/table and /route), falling back to the default
    CachedTravelTimes      a small LRU in front of either
    LiveTraffic            live traffic factor per area; a change is a re-plan trigger

May import: fieldpilot.domain, fieldpilot.engine, httpx, numpy and the standard library.
"""

from __future__ import annotations

from fieldpilot.routing.cache import CachedTravelTimes
from fieldpilot.routing.haversine import HaversineTravelTimes
from fieldpilot.routing.osrm import OsrmTravelTimes
from fieldpilot.routing.ports import Leg, TravelTimes
from fieldpilot.routing.profile import Area, LiveTraffic, SpeedProfile, TrafficChange, default_congestion

__all__ = [
    "Area",
    "CachedTravelTimes",
    "HaversineTravelTimes",
    "Leg",
    "LiveTraffic",
    "OsrmTravelTimes",
    "SpeedProfile",
    "TrafficChange",
    "TravelTimes",
    "default_congestion",
]
