"""OSRM over HTTP (production): `/table/v1/{profile}/...` for matrices, `/route/v1/{profile}/...` for legs.

OSRM answers free-flow road times; the same congestion profile, areas and live traffic as the
default provider are applied on top. Large matrices are fetched in blocks (`sources`/`destinations`)
so no request exceeds the server's `max_table_size`. A timeout, a transport error, a non-"Ok"
answer or a malformed body falls back to the offline provider, with a warning in the log; cells
OSRM cannot route (`null`) are filled from the fallback too.

May import: fieldpilot.domain, fieldpilot.engine, fieldpilot.routing, httpx, numpy and the standard library.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import numpy as np

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location, check_aware
from fieldpilot.engine.problem import TravelMatrix
from fieldpilot.routing.haversine import HaversineTravelTimes
from fieldpilot.routing.ports import IntMatrix, Leg

log = logging.getLogger(__name__)


class OsrmUnavailable(Exception):
    """OSRM did not give a usable answer (caught here: the caller gets the fallback's answer)."""


class OsrmTravelTimes:
    """Travel times from an OSRM server, falling back to `fallback` when it fails."""

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        timeout_seconds: float = 2.0,
        max_table_size: int = 100,
        fallback: HaversineTravelTimes | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput("base_url", "must be an http(s) URL")
        if max_table_size < 2:
            raise InvalidInput("max_table_size", "must be at least 2")
        self.base_url = base_url.rstrip("/")
        self.osrm_profile = profile
        self.max_table_size = max_table_size
        self.fallback = fallback or HaversineTravelTimes()
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout_seconds))
        self._owns_client = client is None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> OsrmTravelTimes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the port -------------------------------------------------------------------------------

    def free_flow(self, locations: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """OSRM's durations and distances, with areas and live traffic applied."""
        try:
            durations, distances = self._table(locations)
        except OsrmUnavailable as problem:
            log.warning("OSRM table failed (%s); using the offline travel times", problem)
            return self.fallback.free_flow(locations)
        place = self.fallback.traffic.location_factors(locations)
        scaled = np.rint(durations * np.maximum(place[:, None], place[None, :])).astype(np.int64)
        return scaled, distances

    def matrix(self, locations: Sequence[Location], depart_at: datetime) -> tuple[IntMatrix, IntMatrix]:
        check_aware(depart_at, field="depart_at")
        durations, distances = self.free_flow(locations)
        factor = self.fallback.profile.factor_at(depart_at)
        return np.rint(durations * factor).astype(np.int64), distances

    def route(self, origin: Location, destination: Location, depart_at: datetime) -> Leg:
        check_aware(depart_at, field="depart_at")
        try:
            body = self._get(f"route/v1/{self.osrm_profile}/{_coordinates([origin, destination])}", {})
            best = body["routes"][0]
            duration, distance = float(best["duration"]), float(best["distance"])
        except OsrmUnavailable as problem:
            log.warning("OSRM route failed (%s); using the offline travel times", problem)
            return self.fallback.route(origin, destination, depart_at)
        except (KeyError, IndexError, TypeError, ValueError) as problem:
            log.warning("OSRM route answer is malformed (%r); using the offline travel times", problem)
            return self.fallback.route(origin, destination, depart_at)
        place = self.fallback.traffic.location_factors([origin, destination])
        factor = self.fallback.profile.factor_at(depart_at) * float(max(place))
        return Leg(round(duration * factor), round(distance))

    def travel_matrix(self, locations: Sequence[Location], *, depart_at: datetime) -> TravelMatrix:
        check_aware(depart_at, field="depart_at")
        durations, distances = self.free_flow(locations)
        return TravelMatrix(durations, distances, self.fallback.profile.congestion_profile(depart_at))

    # -- HTTP -----------------------------------------------------------------------------------

    def _table(self, locations: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        n = len(locations)
        durations = np.full((n, n), -1.0)
        distances = np.full((n, n), -1.0)
        if n <= self.max_table_size:
            self._fill(locations, list(range(n)), list(range(n)), durations, distances)
        else:
            half = self.max_table_size // 2
            blocks = [list(range(i, min(i + half, n))) for i in range(0, n, half)]
            for sources in blocks:
                for destinations in blocks:
                    self._fill(locations, sources, destinations, durations, distances)
        missing = (durations < 0) | (distances < 0)
        if missing.any():
            log.warning("OSRM could not route %d of %d pairs; filled from the offline model", missing.sum(), n * n)
            backup_durations, backup_distances = self.fallback.free_flow(locations)
            durations = np.where(missing, backup_durations, durations)
            distances = np.where(missing, backup_distances, distances)
        result_durations = np.rint(durations).astype(np.int64)
        result_distances = np.rint(distances).astype(np.int64)
        np.fill_diagonal(result_durations, 0)
        np.fill_diagonal(result_distances, 0)
        return result_durations, result_distances

    def _fill(
        self,
        locations: Sequence[Location],
        sources: list[int],
        destinations: list[int],
        durations: np.ndarray[Any, np.dtype[np.float64]],
        distances: np.ndarray[Any, np.dtype[np.float64]],
    ) -> None:
        same = sources == destinations
        places = [locations[i] for i in sources] + ([] if same else [locations[i] for i in destinations])
        params = {"annotations": "duration,distance"}
        if not same:
            params["sources"] = ";".join(str(k) for k in range(len(sources)))
            params["destinations"] = ";".join(str(len(sources) + k) for k in range(len(destinations)))
        body = self._get(f"table/v1/{self.osrm_profile}/{_coordinates(places)}", params)
        block_durations = _grid(body.get("durations"), len(sources), len(destinations))
        block_distances = _grid(body.get("distances"), len(sources), len(destinations))
        rows = np.array(sources)[:, None]
        cols = np.array(destinations)[None, :]
        durations[rows, cols] = block_durations
        distances[rows, cols] = block_distances

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}/{path}"
        try:
            response = self._client.get(url, params=params)
        except httpx.HTTPError as problem:
            raise OsrmUnavailable(f"{type(problem).__name__}: {problem}") from problem
        try:
            body = response.json()
        except ValueError as problem:
            raise OsrmUnavailable(f"HTTP {response.status_code}, body is not JSON") from problem
        if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            raise OsrmUnavailable(f"HTTP {response.status_code}, code {code!r}")
        return body


def _coordinates(places: Sequence[Location]) -> str:
    return ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)


def _grid(values: Any, rows: int, cols: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """An OSRM table block as floats, `null` (unroutable) as -1."""
    if not isinstance(values, list) or len(values) != rows:
        raise OsrmUnavailable(f"table has {len(values) if isinstance(values, list) else 'no'} rows, {rows} expected")
    grid = np.full((rows, cols), -1.0)
    for i, row in enumerate(values):
        if not isinstance(row, list) or len(row) != cols:
            raise OsrmUnavailable("table row has the wrong length")
        for j, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                grid[i, j] = float(value)
    return grid
