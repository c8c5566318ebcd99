"""A stub OSRM server on 127.0.0.1 that speaks OSRM's real /table and /route response formats.

Durations are 100 s and distances 1,000 m per degree of longitude difference (plus latitude), so
answers are easy to predict. Behaviour switches: `mode` = "ok", "slow", "error", "garbage",
"unroutable" (null cells, OSRM's answer for pairs it cannot route).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class StubState:
    mode: str = "ok"
    delay_seconds: float = 0.0
    requests: list[str] = field(default_factory=list)


def _cost(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    degrees = abs(a[0] - b[0]) + abs(a[1] - b[1])
    return degrees * 100.0, degrees * 1000.0


def _answer(state: StubState, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    parts = path.strip("/").split("/")
    if len(parts) != 4 or parts[1] != "v1":
        return 400, {"code": "InvalidUrl", "message": 'URL string malformed close to position 1: "/"'}
    service, coordinates = parts[0], parts[3]
    places = [tuple(float(x) for x in pair.split(",")) for pair in coordinates.split(";")]
    waypoints = [{"hint": "", "distance": 0.0, "name": "", "location": list(p)} for p in places]
    if state.mode == "error":
        return 400, {"code": "InvalidQuery", "message": "Query string malformed close to position 0"}
    if service == "table":
        sources = [int(i) for i in query.get("sources", [""])[0].split(";") if i] or list(range(len(places)))
        targets = [int(i) for i in query.get("destinations", [""])[0].split(";") if i] or list(range(len(places)))
        durations = [[_cost(places[s], places[t])[0] for t in targets] for s in sources]
        distances = [[_cost(places[s], places[t])[1] for t in targets] for s in sources]
        if state.mode == "unroutable":
            durations[0][-1] = None  # type: ignore[call-overload]
            distances[0][-1] = None  # type: ignore[call-overload]
        body = {
            "code": "Ok",
            "durations": durations,
            "distances": distances,
            "sources": [waypoints[s] for s in sources],
            "destinations": [waypoints[t] for t in targets],
        }
        return 200, body
    if service == "route":
        duration, distance = _cost(places[0], places[-1])
        leg = {"steps": [], "summary": "", "weight": duration, "duration": duration, "distance": distance}
        route = {
            "legs": [leg],
            "weight_name": "routability",
            "weight": duration,
            "duration": duration,
            "distance": distance,
        }
        return 200, {"code": "Ok", "routes": [route], "waypoints": waypoints}
    return 400, {"code": "InvalidService", "message": "Service not found"}


def _handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            url = urlsplit(self.path)
            status, body = _answer(state, url.path, parse_qs(url.query))
            payload = b"<html>bad gateway</html>" if state.mode == "garbage" else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def stub_osrm() -> Iterator[tuple[str, StubState]]:
    """Run the stub on 127.0.0.1 (a free port); yields its base URL and its switches."""
    state = StubState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
