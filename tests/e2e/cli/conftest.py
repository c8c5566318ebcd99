"""Fixtures for the CLI end-to-end tests: a CliRunner, SQLite URLs in temporary folders, and a
small demo database (catalogues, a few technicians and customers) copied fresh for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.cli.main import app
from fieldpilot.config import Settings
from tests.e2e.cli.helpers import SMALL_DEMO, sqlite_url
from tests.integration.conftest import drop_postgres_database, new_postgres_database, postgres_server

__all__ = ["postgres_server"]  # the fixture, re-exported so pytest finds it here


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def small_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--database-url", sqlite_url(path), *SMALL_DEMO])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def demo_db(small_demo_template: Path, tmp_path: Path) -> str:
    """The URL of a private copy of the small demo database."""
    target = tmp_path / "demo.db"
    shutil.copy(small_demo_template, target)
    return sqlite_url(target)


@pytest.fixture
def postgres_url(postgres_server: Engine) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own, dropped afterwards."""
    url = new_postgres_database(postgres_server)
    yield url
    drop_postgres_database(postgres_server, url)


@pytest.fixture
def services_for() -> Iterator[object]:
    """`services_for(url)`: the composition root on that database, disposed after the test."""
    made: list[Services] = []

    def make(url: str) -> Services:
        services = bootstrap(Settings(database_url=url, environment="test"))
        made.append(services)
        return services

    yield make
    for services in made:
        services.dispose()
