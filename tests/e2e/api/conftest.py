"""The real app over a real database (SQLite and PostgreSQL, via the integration fixtures),
served by uvicorn in a thread on 127.0.0.1, spoken to with httpx.

`live` gives a signed-in client on a freshly emptied database with one customer, site, skill and
two technicians; every test that uses it runs once per backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from fieldpilot.api.app import create_app
from fieldpilot.api.threaded import serve_in_thread
from fieldpilot.bootstrap import bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Role
from fieldpilot.service.fakes import StraightLineTravel
from tests.integration.conftest import (  # noqa: F401 - fixtures used by the tests below
    clean_database,
    database_url,
    postgres_server,
    sql_engine,
)

API = "/api/v1"
PASSWORD = "correct-horse-battery"
TIMEOUT = httpx.Timeout(20.0)


@dataclass
class Live:
    base_url: str
    client: httpx.Client
    headers: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def post(self, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return self.client.post(f"{API}{path}", json=body, headers={**self.headers, **headers})

    def create(self, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        response = self.post(path, body, **headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def new_order(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "customer_id": self.ids["customer"],
            "site_id": self.ids["site"],
            "service_type": "repair",
            "required_skills": [{"skill": "hvac", "min_level": 1}],
            "estimated_duration_minutes": 60,
            "priority": "P2",
            **overrides,
        }
        return self.create("/orders", body)


@pytest.fixture
def live(database_url: str, clean_database: Engine) -> Iterator[Live]:  # noqa: F811 - the imported fixtures
    settings = Settings(environment="test", database_url=database_url, auto_dispatch=False)
    services = bootstrap(settings, travel=StraightLineTravel())
    services.bus.handle(cmd.CreateUser(username="dispatcher", password=PASSWORD, role=Role.ADMIN))
    try:
        with (
            serve_in_thread(create_app(services=services)) as base_url,
            httpx.Client(base_url=base_url, timeout=TIMEOUT) as client,
        ):
            token = client.post(f"{API}/auth/token", data={"username": "dispatcher", "password": PASSWORD})
            assert token.status_code == 200, token.text
            live = Live(base_url, client, {"Authorization": f"Bearer {token.json()['access_token']}"})
            live.create("/skills", {"code": "hvac", "name": "HVAC"})
            live.ids["customer"] = live.create("/customers", {"name": "Acme", "tier": "priority"})["id"]
            live.ids["site"] = live.create(
                "/sites",
                {
                    "customer_id": live.ids["customer"],
                    "name": "HQ",
                    "address": "Main St 1",
                    "location": {"lat": 48.85, "lon": 2.35},
                },
            )["id"]
            for name in ("tech_a", "tech_b"):
                live.ids[name] = live.create(
                    "/technicians",
                    {"first_name": name, "home_base": {"lat": 48.8, "lon": 2.3}, "skills": {"hvac": 3}},
                )["id"]
            yield live
    finally:
        services.dispose()
