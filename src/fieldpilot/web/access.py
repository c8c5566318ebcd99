"""Who is calling the web endpoints: the same bearer tokens as the API, checked the same way.

The API's verifier lives in `fieldpilot.api.auth`, which web may not import (api and web are
siblings); this is the same check over the same settings and store. Permission decisions are
still made by `fieldpilot.service.permissions`, nowhere here.

May import: bootstrap, service, domain, jwt, starlette.
"""

from __future__ import annotations

import jwt
from starlette.requests import Request

from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import AuthenticationFailed
from fieldpilot.service.permissions import Actor, ActorKind, Permission, check_role

ALGORITHM = "HS256"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def actor_from_token(services: Services, token: str) -> Actor:
    try:
        claims = jwt.decode(
            token,
            services.settings.secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "iat"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the access token is invalid") from None
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        raise AuthenticationFailed("the access token is invalid")
    # Expiry by the injected clock, as the API does (tests and simulations move it).
    if int(claims["exp"]) <= int(services.deps.clock.now().timestamp()):
        raise AuthenticationFailed("the access token has expired; sign in again")
    with services.uow_factory() as uow:
        user = uow.users.get(claims["sub"])
    if user is None or not user.active:
        raise AuthenticationFailed("the account no longer exists or is disabled")
    return Actor(kind=ActorKind.USER, id=user.id, role=user.role, name=user.username, technician_id=user.technician_id)


def current_actor(services: Services, request: Request, permission: Permission) -> Actor:
    """The signed-in user, refused unless their role holds `permission`. Object rules (a
    technician's own orders) are applied by the route once the object is loaded."""
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("sign in (Authorization: Bearer <token>)")
    actor = actor_from_token(services, token)
    check_role(actor, permission)
    return actor
