"""Request and response models for sign-in, users, API keys and the current actor."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from fieldpilot.api.schemas.common import InputModel, ObjectId, OutputModel
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Role


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")


class UserCreate(InputModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@+-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Literal["admin", "dispatcher", "manager", "technician"]
    full_name: str = Field(default="", max_length=200)
    technician_id: ObjectId | None = None

    def to_command(self, *, actor: str) -> cmd.CreateUser:
        return cmd.CreateUser(
            actor=actor,
            username=self.username,
            password=self.password,
            role=Role(self.role),
            full_name=self.full_name,
            technician_id=self.technician_id,
        )


class UserOut(OutputModel):
    id: str
    username: str
    role: Role
    full_name: str
    technician_id: str | None
    active: bool
    version: int


class ApiKeyCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["integration", "dispatcher", "manager", "admin"] = "integration"


class ApiKeyOut(OutputModel):
    id: str
    name: str
    prefix: str
    role: Role
    created_at: datetime | None
    revoked: bool


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the key in clear text, shown this once: send it as X-API-Key")


class MeOut(BaseModel):
    kind: Literal["user", "api_key"]
    id: str
    name: str
    role: Role
    technician_id: str | None
    permissions: list[str]
