"""Who is calling the web endpoints: the same bearer tokens as the API, checked the same way.

Tokens are verified by `fieldpilot.access`, the one verifier the API uses too. Permission
decisions are made by `fieldpilot.service.permissions`, nowhere here.

May import: bootstrap, service, domain, jwt, starlette.
"""

from __future__ import annotations

from starlette.requests import Request

from fieldpilot.access import authenticate_token
from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import AuthenticationFailed
from fieldpilot.service.permissions import Actor, Permission, check_role


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def actor_from_token(services: Services, token: str) -> Actor:
    return authenticate_token(services, token)


def current_actor(services: Services, request: Request, permission: Permission) -> Actor:
    """The signed-in user, refused unless their role holds `permission`. Object rules (a
    technician's own orders) are applied by the route once the object is loaded."""
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("sign in (Authorization: Bearer <token>)")
    actor = actor_from_token(services, token)
    check_role(actor, permission)
    return actor
