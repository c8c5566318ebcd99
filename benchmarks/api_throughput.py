"""API throughput: the real app under uvicorn on 127.0.0.1, over SQLite and over PostgreSQL.

    python benchmarks/api_throughput.py [--orders 1000] [--lists 500] [--clients 4]

For each backend: a fresh migrated database (a temporary SQLite file; a new PostgreSQL database
`fp_bench_<hex>` on FIELDPILOT_TEST_POSTGRES_URL's server, dropped afterwards, skipped with a
message when the server is unreachable), the server in a thread, then
  1. `create`: N orders created by C concurrent clients (POST /orders with Idempotency-Key),
  2. `list`:   M list requests by C clients (GET /orders, 50 a page, filters and offsets varied),
and a table of throughput (requests/s) and p50/p99 latency per backend and phase.

Auto-dispatch is off: this measures the API, validation and storage, not the engine.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from fieldpilot.api.app import create_app
from fieldpilot.api.threaded import serve_in_thread
from fieldpilot.bootstrap import bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Role
from fieldpilot.service.fakes import StraightLineTravel
from fieldpilot.storage import upgrade_database

API = "/api/v1"
PASSWORD = "benchmark-password"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TIMEOUT = httpx.Timeout(30.0)


@dataclass(frozen=True)
class Result:
    backend: str
    phase: str
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="fp-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    server_url = make_url(os.environ.get("FIELDPILOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"fp_bench_{secrets.token_hex(6)}"
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server_url.set(database=name).render_as_string(hide_password=False)
        try:
            upgrade_database(url)
            yield url
        finally:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def timed_calls(
    base_url: str,
    headers: dict[str, str],
    calls: list[Callable[[httpx.Client], httpx.Response]],
    clients: int,
) -> tuple[list[float], float, int]:
    """Run the calls over `clients` threads (one connection each); latencies, wall time, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    chunks = [calls[i::clients] for i in range(clients)]

    def worker(chunk: list[Callable[[httpx.Client], httpx.Response]]) -> None:
        nonlocal errors
        with httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT) as client:
            client.get(f"{API}/health")
            for call in chunk:
                started = time.perf_counter()
                response = call(client)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += response.status_code >= 400

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(worker, chunk) for chunk in chunks]:
            future.result(timeout=600)
    return latencies, time.perf_counter() - started, errors


def create_call(i: int, customer: str, site: str) -> Callable[[httpx.Client], httpx.Response]:
    body = {
        "customer_id": customer,
        "site_id": site,
        "service_type": "repair",
        "description": f"benchmark order {i}",
        "required_skills": [{"skill": "hvac", "min_level": 1 + i % 3}],
        "estimated_duration_minutes": 30 + i % 90,
        "priority": f"P{1 + i % 4}",
    }
    return lambda client: client.post(f"{API}/orders", json=body, headers={"Idempotency-Key": f"bench-{i}"})


def list_call(i: int) -> Callable[[httpx.Client], httpx.Response]:
    params: list[dict[str, str | int]] = [
        {"limit": 50, "offset": (i * 50) % 1000},
        {"limit": 50, "priority": "P1", "sort": "-created_at"},
        {"limit": 50, "status": "new", "sort": "priority"},
        {"limit": 50, "sla_state": "ok", "offset": (i * 10) % 500},
    ]
    chosen = params[i % len(params)]
    return lambda client: client.get(f"{API}/orders", params=chosen)


def run_backend(backend: str, url: str, *, orders: int, lists: int, clients: int) -> list[Result]:
    settings = Settings(environment="test", database_url=url, auto_dispatch=False)
    services = bootstrap(settings, travel=StraightLineTravel())
    services.bus.handle(cmd.CreateUser(username="bench", password=PASSWORD, role=Role.DISPATCHER))
    try:
        with (
            serve_in_thread(create_app(services=services)) as base_url,
            httpx.Client(base_url=base_url, timeout=TIMEOUT) as client,
        ):
            token = client.post(f"{API}/auth/token", data={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            client.post(f"{API}/skills", json={"code": "hvac", "name": "HVAC"}, headers=headers)
            customer = client.post(f"{API}/customers", json={"name": "Bench"}, headers=headers).json()["id"]
            site = client.post(
                f"{API}/sites",
                json={
                    "customer_id": customer,
                    "name": "S",
                    "address": "A 1",
                    "location": {"lat": 1, "lon": 1},
                },
                headers=headers,
            ).json()["id"]
            results = []
            for phase, calls in (
                ("create", [create_call(i, customer, site) for i in range(orders)]),
                ("list", [list_call(i) for i in range(lists)]),
            ):
                latencies, seconds, errors = timed_calls(base_url, headers, calls, clients)
                results.append(Result(backend, phase, latencies, seconds, errors))
            return results
    finally:
        services.dispose()


def print_table(results: list[Result], *, clients: int) -> None:
    print(f"\nAPI throughput ({clients} concurrent clients, uvicorn on 127.0.0.1, one process)\n")
    header = f"{'backend':<11}{'phase':<8}{'requests':>9}{'errors':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.backend:<11}{r.phase:<8}{len(r.latencies):>9}{r.errors:>7}{r.throughput:>9.1f}"
            f"{r.percentile(0.50):>9.1f}{r.percentile(0.99):>9.1f}"
        )
    if results:
        mean = statistics.fmean(x for r in results for x in r.latencies) * 1000
        print(f"\nmean latency over all requests: {mean:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    results: list[Result] = []
    for backend in args.backends.split(","):
        database = sqlite_database if backend == "sqlite" else postgres_database
        try:
            with database() as url:
                print(f"{backend}: {args.orders} creates, {args.lists} lists ...", flush=True)
                results += run_backend(backend, url, orders=args.orders, lists=args.lists, clients=args.clients)
        except OperationalError as error:
            print(f"{backend}: skipped, the database server is unreachable ({error.orig})")
    print_table(results, clients=args.clients)
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
