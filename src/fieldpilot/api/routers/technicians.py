"""Technicians: skills and levels, certifications, shifts and breaks, absences, van stock, tools,
territories. Deleting one deactivates it (history stays for reporting). A technician reads only
their own profile."""

from __future__ import annotations

from fieldpilot.api.routers.crud import ResourceSpec, resource_router, technician_read_rule
from fieldpilot.api.schemas.technicians import TechnicianCreate, TechnicianOut, TechnicianPatch
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.service.permissions import Permission

SPEC = ResourceSpec(
    kind=ResourceKind.TECHNICIAN,
    path="/technicians",
    create=TechnicianCreate,
    patch=TechnicianPatch,
    out=TechnicianOut,
    id_prefix="tech",
    read=Permission.TECHNICIAN_READ,
    write=Permission.TECHNICIAN_WRITE,
    read_one_rule=technician_read_rule,
)

router = resource_router(SPEC)
