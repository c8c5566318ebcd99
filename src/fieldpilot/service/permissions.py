"""Who may do what: the one permission table and the object rule. Nothing else decides access.

    ROLE_PERMISSIONS   role -> the permissions it holds (one table)
    ACTION_PERMISSION  lifecycle action -> the permission it needs
    authorize()        the table plus the object rule, raising PermissionDenied

The object rule: a technician reads and acts only on orders assigned to them, and reads only
their own technician profile. Entry points (API, CLI) build an `Actor` from their credentials
and call `authorize` before handing a command to the bus. Standard library and domain only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from fieldpilot.domain.errors import PermissionDenied
from fieldpilot.domain.values import Role


class ActorKind(enum.StrEnum):
    USER = "user"
    API_KEY = "api_key"


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated caller: a user (by password and token) or an integration (by API key)."""

    kind: ActorKind
    id: str
    role: Role
    name: str = ""
    technician_id: str | None = None

    @property
    def ref(self) -> str:
        """How the actor appears in histories and idempotency scopes, e.g. `user:usr_000001`."""
        return f"{self.kind.value}:{self.id}"


class Permission(enum.StrEnum):
    CATALOG_READ = "catalog:read"  # skills, parts, warehouses, customers, sites, assets, SLA, triage
    CATALOG_WRITE = "catalog:write"
    TECHNICIAN_READ = "technician:read"  # object rule: a technician reads only their own profile
    TECHNICIAN_WRITE = "technician:write"
    ORDER_CREATE = "order:create"
    ORDER_LIST = "order:list"  # every order; technicians list their own through /me/orders
    ORDER_READ = "order:read"  # object rule: a technician reads only their own orders
    ORDER_UPDATE = "order:update"
    ORDER_DISPATCH = "order:dispatch"  # assign, reassign, unassign, resume, cancel, close, reopen
    ORDER_FIELD_WORK = "order:field_work"  # accept, decline, start_travel, arrive, complete, hold
    USER_ADMIN = "user:admin"  # users and API keys
    PLAN = "plan:change"  # re-plan now, set live traffic factors
    POSITION_REPORT = "position:report"  # object rule: a technician reports only their own position
    SELF = "self"  # one's own profile and orders


_READ_ALL = frozenset(
    {Permission.CATALOG_READ, Permission.TECHNICIAN_READ, Permission.ORDER_LIST, Permission.ORDER_READ}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DISPATCHER: frozenset(Permission) - {Permission.USER_ADMIN},
    Role.MANAGER: _READ_ALL | {Permission.CATALOG_WRITE, Permission.TECHNICIAN_WRITE, Permission.SELF},
    Role.TECHNICIAN: frozenset(
        {
            Permission.TECHNICIAN_READ,
            Permission.ORDER_READ,
            Permission.ORDER_FIELD_WORK,
            Permission.SELF,
            Permission.POSITION_REPORT,
        }
    ),
    Role.INTEGRATION: _READ_ALL
    | {
        Permission.CATALOG_WRITE,
        Permission.ORDER_CREATE,
        Permission.ORDER_UPDATE,
        Permission.SELF,
        Permission.POSITION_REPORT,  # telematics boxes in the vans
    },
}

FIELD_ACTIONS = frozenset({"accept", "decline", "start_travel", "arrive", "complete", "hold"})
DISPATCH_ACTIONS = frozenset({"assign", "reassign", "unassign", "resume", "cancel", "close", "reopen"})

# Permissions whose object rule limits a technician to their own orders.
_ORDER_SCOPED = frozenset({Permission.ORDER_READ, Permission.ORDER_FIELD_WORK})


def action_permission(action: str) -> Permission:
    """The permission a lifecycle action needs."""
    if action in FIELD_ACTIONS:
        return Permission.ORDER_FIELD_WORK
    if action in DISPATCH_ACTIONS:
        return Permission.ORDER_DISPATCH
    raise ValueError(f"no permission is defined for action {action!r}")


class AssignedObject(Protocol):
    @property
    def technician_id(self) -> str | None: ...


def can(actor: Actor, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def check_role(actor: Actor, permission: Permission) -> None:
    """The table alone, before the object is loaded; `authorize` then applies the object rule."""
    if not can(actor, permission):
        raise PermissionDenied(f"a {actor.role.value} may not {permission.value}")


def authorize(
    actor: Actor,
    permission: Permission,
    *,
    order: AssignedObject | None = None,
    technician_id: str | None = None,
) -> None:
    """Raise PermissionDenied unless `actor` holds `permission` on the object (if one is given).

    `order` is the work order acted on; `technician_id` the technician profile read or changed.
    """
    check_role(actor, permission)
    if actor.role is not Role.TECHNICIAN:
        return
    # A technician's permissions all concern one object of their own; without it, refuse.
    if permission in _ORDER_SCOPED:
        if order is None or actor.technician_id is None or order.technician_id != actor.technician_id:
            raise PermissionDenied("a technician may only see and act on orders assigned to them")
    elif permission is Permission.TECHNICIAN_READ and (technician_id is None or technician_id != actor.technician_id):
        raise PermissionDenied("a technician may only see their own profile")
    elif permission is Permission.POSITION_REPORT and (technician_id is None or technician_id != actor.technician_id):
        raise PermissionDenied("a technician may only report their own position")
