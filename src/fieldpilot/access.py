"""Signed access tokens (JWT, HS256) for users: issue on login, verify on every request; and
the guard that rate-limits guessing of public tracking tokens.

Shared by the API and the web screens (siblings that may not import each other), so both check
a token the same way. Tokens carry the user id only as a claim to look up: role and active flag
are read from the store on every request, so a demoted or deactivated user loses access at once.
Expiry is judged by the injected clock (tests and simulations move it).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

import jwt

from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import AuthenticationFailed, TooManyAttempts
from fieldpilot.service.permissions import Actor, ActorKind

ALGORITHM = "HS256"
# What a tracking token can look like; anything else is refused before a lookup (same 404).
TRACKING_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_BAD_CREDENTIALS = "incorrect username or password"
# Verified against when the username is unknown, so that both failures take as long.
_DUMMY_PASSWORD = "not-a-real-password-0000"


def issue_token(services: Services, *, user_id: str) -> tuple[str, int]:
    """A signed access token for the user, and its lifetime in seconds."""
    now = services.deps.clock.now()
    lifetime = timedelta(minutes=services.settings.access_token_minutes)
    claims = {"sub": user_id, "iat": now, "exp": now + lifetime, "typ": "access"}
    token = jwt.encode(claims, services.settings.secret_key, algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def login(services: Services, *, username: str, password: str) -> tuple[str, int]:
    hasher = services.deps.hasher
    with services.uow_factory() as uow:
        user = uow.users.get_by_username(username)
    if user is None:
        hasher.verify(hasher.hash(_DUMMY_PASSWORD), password)
        raise AuthenticationFailed(_BAD_CREDENTIALS)
    if not hasher.verify(user.password_hash, password) or not user.active:
        raise AuthenticationFailed(_BAD_CREDENTIALS)
    return issue_token(services, user_id=user.id)


def authenticate_token(services: Services, token: str) -> Actor:
    try:
        claims = jwt.decode(
            token,
            services.settings.secret_key,
            algorithms=[ALGORITHM],
            # Expiry is judged below by the injected clock (tests and simulations move it).
            options={"require": ["exp", "sub", "iat"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the access token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the access token is invalid") from None
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        raise AuthenticationFailed("the access token is invalid")
    if int(claims["exp"]) <= int(services.deps.clock.now().timestamp()):
        raise AuthenticationFailed("the access token has expired; sign in again")
    with services.uow_factory() as uow:
        user = uow.users.get(claims["sub"])
    if user is None or not user.active:
        raise AuthenticationFailed("the account no longer exists or is disabled")
    return Actor(
        kind=ActorKind.USER,
        id=user.id,
        role=user.role,
        name=user.username,
        technician_id=user.technician_id,
    )


@dataclass
class TokenGuard:
    """At most `max_misses` unknown tokens per client per `window` seconds."""

    max_misses: int = 20
    window: float = 600.0
    misses: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str, now: float) -> deque[float]:
        seen = self.misses.setdefault(client, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def blocked(self, client: str) -> bool:
        with self.lock:
            return len(self._recent(client, time.monotonic())) >= self.max_misses

    def miss(self, client: str) -> None:
        with self.lock:
            now = time.monotonic()
            self._recent(client, now).append(now)

    def check(self, client: str) -> None:
        """Refuse a client that guessed too many unknown tokens lately."""
        if self.blocked(client):
            raise TooManyAttempts(
                "too many unknown tracking links from this address; try again later",
                retry_after_seconds=int(self.window),
            )
