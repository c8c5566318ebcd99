"""Credentials -> Actor: signed access tokens (JWT, HS256) for users, `X-API-Key` for integrations.

Passwords are checked through the service's hasher port (argon2 in production). Tokens carry the
user id only as a claim to look up: role and active flag are read from the store on every
request, so a demoted or deactivated user loses access at once.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta

import jwt

from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import AuthenticationFailed
from fieldpilot.service.handlers.users import hash_api_secret
from fieldpilot.service.permissions import Actor, ActorKind
from fieldpilot.service.unit_of_work import UnitOfWork

ALGORITHM = "HS256"
API_KEY_PREFIX = "fp_"
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


def split_api_key(value: str) -> tuple[str, str] | None:
    """`fp_<prefix>_<secret>` -> (prefix, secret); the prefix has no '_', the secret may."""
    if not value.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, secret = value[len(API_KEY_PREFIX) :].partition("_")
    if not sep or not prefix or not secret:
        return None
    return prefix, secret


def authenticate_api_key(uow_factory: Callable[[], UnitOfWork], value: str) -> Actor:
    parts = split_api_key(value.strip())
    if parts is None:
        raise AuthenticationFailed("the API key is malformed (expected fp_<prefix>_<secret>)")
    prefix, secret = parts
    with uow_factory() as uow:
        key = uow.api_keys.get_by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.secret_hash, hash_api_secret(secret)):
        raise AuthenticationFailed("the API key is not valid")
    if key.revoked:
        raise AuthenticationFailed("the API key has been revoked")
    return Actor(kind=ActorKind.API_KEY, id=key.id, role=key.role, name=key.name)
