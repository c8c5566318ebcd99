"""`fieldpilot demo` with the live small-town day: the real server process on 127.0.0.1, watched
over HTTP while orders arrive, get assigned and technicians move; Ctrl+C stops it cleanly, and a
second start works on the same database (a fresh day)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from fieldpilot.cli.demo import DEFAULT_SEED
from fieldpilot.demo import demo_users, plan_demo
from tests.e2e.cli.helpers import SMALL_DEMO, sqlite_url

T = TypeVar("T")
STARTUP_SECONDS = 90.0  # load the small company, migrate, start uvicorn (a shared 2-core machine)
LIVE_SECONDS = 30.0  # then the live day has this long to show what it promises
SPEED = "600"  # ten simulated minutes a second


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    base: str
    out: Path
    err: Path

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _demo(tmp_path: Path, url: str, name: str) -> Iterator[Demo]:
    port = _free_port()
    out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    command = [sys.executable, "-m", "fieldpilot.cli", "demo", "--database-url", url, "--port", str(port)]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--speed", SPEED, *SMALL_DEMO],
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "COLUMNS": "200"},
        )
        try:
            yield Demo(process, f"http://127.0.0.1:{port}/api/v1", out, err)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _eventually(check: Callable[[], T | None], *, within: float, demo: Demo) -> T | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and demo.process.poll() is None:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found is not None:
            return found
        time.sleep(0.25)
    return None


def _sign_in(demo: Demo) -> dict[str, str] | None:
    plan = plan_demo(seed=DEFAULT_SEED, now=datetime.now(UTC), technicians=1, customers=1, orders=0)
    admin = next(u for u in demo_users(plan) if u.username == "admin")  # passwords follow from the seed

    def token() -> dict[str, str] | None:
        answer = httpx.post(f"{demo.base}/auth/token", data={"username": "admin", "password": admin.password})
        return {"Authorization": f"Bearer {answer.json()['access_token']}"} if answer.status_code == 200 else None

    return _eventually(token, within=STARTUP_SECONDS, demo=demo)


def _town_orders(demo: Demo, auth: dict[str, str]) -> list[dict[str, Any]]:
    page = httpx.get(f"{demo.base}/orders", params={"limit": 200}, headers=auth, timeout=5).json()
    return [o for o in page["items"] if o["site_id"].startswith("sim-")]


def _positions(demo: Demo, auth: dict[str, str]) -> dict[str, tuple[float, float, str]]:
    found = httpx.get(f"{demo.base}/positions", headers=auth, timeout=5).json()
    return {p["technician_id"]: (p["lat"], p["lon"], p["at"]) for p in found}


def _interrupt(demo: Demo) -> int:
    demo.process.send_signal(signal.SIGINT)
    return demo.process.wait(timeout=45)


def test_the_live_day_shows_orders_arriving_assigned_and_technicians_moving(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "live.db")
    with _demo(tmp_path, url, "first") as demo:
        auth = _sign_in(demo)
        assert auth is not None, demo.output()[-3000:]

        assigned = _eventually(
            lambda: [o for o in _town_orders(demo, auth) if (o["technician_id"] or "").startswith("sim-")] or None,
            within=LIVE_SECONDS,
            demo=demo,
        )
        first_seen = _eventually(lambda: _positions(demo, auth) or None, within=LIVE_SECONDS, demo=demo)
        moved = _eventually(
            lambda: (
                [
                    tech
                    for tech, (lat, lon, at) in _positions(demo, auth).items()
                    if tech in (first_seen or {}) and at > first_seen[tech][2] and (lat, lon) != first_seen[tech][:2]
                ]
                or None
            ),
            within=LIVE_SECONDS,
            demo=demo,
        )
        first_run_orders = {o["id"] for o in _town_orders(demo, auth)}
        code = _interrupt(demo)
        output = demo.output()

    assert assigned, output[-3000:]
    assert all(o["created_at"] for o in assigned)
    assert first_seen and all(tech.startswith("sim-") for tech in first_seen)
    assert moved, output[-3000:]
    assert code == 0, output[-3000:]
    assert "Traceback" not in output
    assert "The live simulation and the server stopped" in output

    with _demo(tmp_path, url, "second") as again:  # `make demo` again: a fresh day on the same file
        auth = _sign_in(again)
        leftovers = [o for o in first_run_orders if _known(again, auth, o)] if auth else None
        code = _interrupt(again)
        output = again.output()

    assert auth is not None, output[-3000:]
    assert leftovers == []
    assert code == 0, output[-3000:]
    assert "Traceback" not in output


def _known(demo: Demo, auth: dict[str, str] | None, order_id: str) -> bool:
    answer = httpx.get(f"{demo.base}/orders/{order_id}", headers=auth or {}, timeout=5)
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200
