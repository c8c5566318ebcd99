"""The manager's dashboard: figures, charts drawn by the bundled chart module, CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer


def test_the_dashboard_shows_today_and_the_trend(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/dashboard", "manager")
    page.wait_for_selector("main[data-ready]")
    assert page.locator(".kpi").count() == 7
    assert "km driven today" in page.locator("main").inner_text()
    for chart in ("#by-state", "#sla", "#trend"):
        assert page.locator(f"{chart} svg rect").count() > 0
    assert page.locator("#breaches li").count() >= 1
    screenshot(page, "dashboard")


def test_the_dashboard_exports_csv(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/dashboard", "manager")
    page.wait_for_selector("main[data-ready]")
    with page.expect_download() as download:
        page.click("#export")
    path = download.value.path()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "section,key,value"
    assert any(line.startswith("sla_attainment,P1,") for line in lines)
    assert any(line.startswith("trend:") for line in lines)
