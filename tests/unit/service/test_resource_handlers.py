"""Resource and user handlers on the in-memory unit of work."""

from __future__ import annotations

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PreconditionRequired,
    VersionMismatch,
)
from fieldpilot.domain.values import Role
from fieldpilot.service.handlers.users import hash_api_secret
from tests.builders import a_customer, a_site, a_skill, a_technician, memory_services


@pytest.fixture
def services() -> Services:
    services, _ = memory_services()
    services.bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    return services


def test_technician_with_an_unknown_skill_is_refused(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(skills={"welding": 2})))
    assert caught.value.field == "skills"


def test_duplicate_key_is_refused(services: Services) -> None:
    with pytest.raises(AlreadyExists):
        services.bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))


def test_update_needs_the_current_version_and_bumps_it(services: Services) -> None:
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician()))
    with pytest.raises(PreconditionRequired):
        bus.handle(cmd.UpdateResource(ResourceKind.TECHNICIAN, "T-1", {"first_name": "Eve"}, None))
    with pytest.raises(VersionMismatch):
        bus.handle(cmd.UpdateResource(ResourceKind.TECHNICIAN, "T-1", {"first_name": "Eve"}, 7))
    view = bus.handle(cmd.UpdateResource(ResourceKind.TECHNICIAN, "T-1", {"first_name": "Eve"}, 1))
    assert view["first_name"] == "Eve" and view["version"] == 2


def test_update_runs_the_domain_checks_and_keeps_the_old_value_on_failure(services: Services) -> None:
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician()))
    with pytest.raises(InvalidInput) as caught:
        bus.handle(cmd.UpdateResource(ResourceKind.TECHNICIAN, "T-1", {"skills": {"boiler": 9}}, 1))
    assert caught.value.field == "skills"
    with services.uow_factory() as uow:
        technician = uow.technicians.get("T-1")
        assert technician is not None and technician.skills == {"boiler": 3} and technician.version == 1


@pytest.mark.parametrize("name", ["id", "version", "no_such_field"])
def test_update_of_keys_or_unknown_fields_is_refused(services: Services, name: str) -> None:
    services.bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician()))
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(cmd.UpdateResource(ResourceKind.TECHNICIAN, "T-1", {name: "x"}, 1))
    assert caught.value.field == name


def test_deleting_a_technician_deactivates_but_keeps_it(services: Services) -> None:
    services.bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician()))
    services.bus.handle(cmd.DeleteResource(ResourceKind.TECHNICIAN, "T-1", 1))
    with services.uow_factory() as uow:
        technician = uow.technicians.get("T-1")
        assert technician is not None and technician.active is False


def test_deleting_a_missing_site_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        services.bus.handle(cmd.DeleteResource(ResourceKind.SITE, "S-404", 1))


def test_site_must_belong_to_an_existing_customer(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(customer_id="C-404")))
    assert caught.value.field == "customer_id"
    services.bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    services.bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site()))


def test_users_get_hashed_passwords_and_unique_names(services: Services) -> None:
    view = services.bus.handle(cmd.CreateUser(username="dina", password="correct horse", role=Role.DISPATCHER))
    assert "password_hash" not in view
    with services.uow_factory() as uow:
        user = uow.users.get_by_username("dina")
        assert user is not None and "correct horse" not in user.password_hash
        assert services.deps.hasher.verify(user.password_hash, "correct horse")
    with pytest.raises(AlreadyExists):
        services.bus.handle(cmd.CreateUser(username="dina", password="another one!", role=Role.MANAGER))


def test_short_passwords_and_unlinked_technician_users_are_refused(services: Services) -> None:
    with pytest.raises(InvalidInput) as short:
        services.bus.handle(cmd.CreateUser(username="x", password="short", role=Role.ADMIN))
    assert short.value.field == "password"
    with pytest.raises(InvalidInput) as unlinked:
        services.bus.handle(cmd.CreateUser(username="t", password="long enough pw", role=Role.TECHNICIAN))
    assert unlinked.value.field == "technician_id"


def test_api_key_is_shown_once_and_stored_as_a_hash(services: Services) -> None:
    view = services.bus.handle(cmd.CreateApiKey(name="erp"))
    _, prefix, secret = str(view["key"]).split("_", 2)
    with services.uow_factory() as uow:
        key = uow.api_keys.get_by_prefix(prefix)
        assert key is not None and key.secret_hash == hash_api_secret(secret)
        assert secret not in key.secret_hash
