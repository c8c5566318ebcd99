"""`db upgrade`, `db current`, and `serve` refusing a database that is not migrated."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from fieldpilot.cli import serving
from fieldpilot.cli.main import app
from fieldpilot.config import Settings
from tests.e2e.cli.helpers import flat, sqlite_url


def test_serve_refuses_a_database_that_is_not_migrated(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[Any] = []
    monkeypatch.setattr(serving, "run_server", lambda settings, **_: called.append(settings))
    url = sqlite_url(tmp_path / "empty.db")

    result = runner.invoke(app, ["serve", "--database-url", url], catch_exceptions=False)

    assert result.exit_code == 1
    assert "fieldpilot db upgrade" in flat(result.output)
    assert called == []


def test_db_upgrade_then_current_reports_up_to_date(runner: CliRunner, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "fresh.db")

    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    again = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    current = runner.invoke(app, ["db", "current", "--database-url", url])

    assert upgraded.exit_code == 0, upgraded.output
    assert again.exit_code == 0, again.output
    assert current.exit_code == 0, current.output
    assert "up to date" in current.output


def test_db_current_fails_on_an_empty_database(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "current", "--database-url", sqlite_url(tmp_path / "new.db")])

    assert result.exit_code == 1
    assert "none (empty database)" in result.output


def test_serve_starts_the_server_on_a_migrated_database(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqlite_url(tmp_path / "ready.db")
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    started: list[Any] = []
    monkeypatch.setattr(serving, "run_server", lambda settings, **_: started.append(settings))

    result = runner.invoke(app, ["serve", "--database-url", url, "--port", "8123"])

    assert result.exit_code == 0, result.output
    assert [(s.database_url, s.port) for s in started] == [(url, 8123)]
    assert "http://127.0.0.1:8123/docs" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_served_app_answers_its_docs_page_and_the_console(runner: CliRunner, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "served.db")
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fieldpilot.cli", "serve", "--database-url", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status = _wait_for(f"http://127.0.0.1:{port}/docs", process=process, timeout=20)
        console = httpx.get(f"http://127.0.0.1:{port}/console", timeout=5).status_code if status else None
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)

    assert status == 200, stderr.decode(errors="replace")[-2000:]
    assert console == 200


def _wait_for(address: str, *, process: subprocess.Popen[bytes], timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx.get(address, timeout=1).status_code
        except httpx.TransportError:
            time.sleep(0.1)
    return None


def test_insecure_production_settings_are_refused_before_anything_runs(runner: CliRunner, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "prod.db")

    result = runner.invoke(
        app,
        ["serve", "--database-url", url],
        env={"FIELDPILOT_ENVIRONMENT": "production", "FIELDPILOT_SECRET_KEY": "changeme"},
    )

    assert result.exit_code == 2
    assert "FIELDPILOT_SECRET_KEY" in flat(result.output)


def test_the_banner_announces_the_docs_and_every_web_screen(runner: CliRunner, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "pages.db")
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0

    served = serving.build_app(Settings(database_url=url, environment="test"))
    served.state.services.dispose()

    assert {path for _, path in serving.PAGES} <= served.state.page_paths
