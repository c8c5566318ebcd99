"""One Settings class, read from the environment (prefix FIELDPILOT_) once, by the app factory or
the CLI, and passed down. Never built at import time."""

from __future__ import annotations

import secrets
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSECURE_SECRETS = frozenset({"", "changeme", "secret", "change-me"})


class TrafficArea(BaseModel):
    """An area whose live traffic factor dispatchers can set (a circle on the map)."""

    name: str = Field(min_length=1, max_length=64)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=500)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDPILOT_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///fieldpilot.db"
    # Signs access tokens. Required in production (all replicas must share it); development and
    # tests get a random one per process.
    secret_key: str = ""
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    osrm_url: str | None = None
    osrm_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    tile_url: str | None = None
    # The company's timezone: explanations and schedules are shown in it.
    timezone: str = "Europe/Paris"
    # New orders are dispatched by the engine as they arrive (per-order mode may override).
    auto_dispatch: bool = True
    # Dispatch weights and tolerances (TOML); the engine's defaults when unset.
    dispatch_params_path: str | None = None
    # Minutes behind plan (from position reports) after which a re-plan is triggered.
    late_threshold_minutes: int = Field(default=15, ge=1, le=240)
    # How often the technician app reports its position while on shift (seconds).
    position_report_seconds: int = Field(default=60, ge=5, le=3600)
    # Re-planning: "background" (a worker thread, the server), "inline" (at once), or "off".
    replan_mode: Literal["background", "inline", "off"] = "background"
    replan_budget_seconds: float = Field(default=5.0, gt=0, le=300)
    replan_period_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    # How often the server sweeps SLA states and expires offers.
    housekeeping_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Stop each re-plan after this many solver iterations too (reproducible runs; None: time only).
    replan_max_iterations: int | None = Field(default=None, ge=1)
    # Areas with live traffic factors, e.g. FIELDPILOT_TRAFFIC_AREAS='[{"name": "centre",
    # "lat": 45.76, "lon": 4.84, "radius_km": 3}]'.
    traffic_areas: list[TrafficArea] = Field(default_factory=list)
    share_technician_position: bool = True
    check_migrations: bool = True

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if not self.secret_key and self.environment != "production":
            self.secret_key = secrets.token_urlsafe(32)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"FIELDPILOT_TIMEZONE {self.timezone!r} is not an IANA timezone") from None
        if self.secret_key in INSECURE_SECRETS or len(self.secret_key) < 32:
            raise ValueError("FIELDPILOT_SECRET_KEY must be at least 32 characters and not a placeholder")
        return self
