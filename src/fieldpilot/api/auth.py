"""Credentials -> Actor for integrations: `X-API-Key: fp_<prefix>_<secret>`.

Users' access tokens (login, issue, verify) live in `fieldpilot.access`, shared with the web
screens, so both check a token the same way.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fieldpilot.domain.errors import AuthenticationFailed
from fieldpilot.service.handlers.users import hash_api_secret
from fieldpilot.service.permissions import Actor, ActorKind
from fieldpilot.service.unit_of_work import UnitOfWork

API_KEY_PREFIX = "fp_"


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
