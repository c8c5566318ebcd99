"""Every error leaves as RFC 9457 problem+json: one per domain error class, plus request
validation, unknown routes and methods, and unexpected errors (without internals)."""

from __future__ import annotations

from typing import Any

import pytest

from fieldpilot.api.app import create_app
from fieldpilot.api.problems import PROBLEMS, problem_type_of
from fieldpilot.bootstrap import Services
from fieldpilot.domain import errors
from tests.unit.api.conftest import API, TestClient, World, a_site, an_order

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    return body


def test_every_domain_error_class_has_a_row_in_the_table() -> None:
    def subclasses(cls: type[Exception]) -> set[type[Exception]]:
        found: set[type[Exception]] = {cls}
        child: type[Exception]
        for child in cls.__subclasses__():
            found |= subclasses(child)
        return found

    domain_errors = {c for c in subclasses(errors.FieldpilotError) if c.__module__ == errors.__name__}
    assert domain_errors - {errors.FieldpilotError} <= set(PROBLEMS)


@pytest.mark.parametrize(
    ("error", "status", "extras"),
    [
        (errors.InvalidInput("lat", "out of range"), 422, {"field": "lat"}),
        (errors.NotFound("site", "s1"), 404, {}),
        (errors.PermissionDenied("no"), 403, {}),
        (errors.AuthenticationFailed("who?"), 401, {}),
        (
            errors.IllegalTransition(current="new", action="complete", allowed=["assign"]),
            409,
            {"current_status": "new", "allowed_actions": ["assign"]},
        ),
        (errors.VersionMismatch(kind="site", expected=1, actual=2), 412, {"current_version": 2}),
        (errors.PreconditionRequired("site"), 428, {}),
        (errors.SlotTaken(technician_id="t", order_id="o"), 409, {"conflicting_order_id": "o"}),
        (errors.AlreadyExists("skill", "hvac"), 409, {}),
        (errors.IdempotencyKeyReused("k"), 422, {"field": "Idempotency-Key"}),
        (errors.Conflict("changed meanwhile"), 409, {}),
    ],
)
def test_problem_table_maps_each_error(error: errors.FieldpilotError, status: int, extras: dict[str, Any]) -> None:
    kind = problem_type_of(error)
    assert kind.status == status
    assert kind.type.startswith("urn:fieldpilot:problem:")
    assert extras.items() <= kind.extras(error).items()


def test_schema_violation_names_the_nested_field(world: World) -> None:
    response = world.client.post(
        f"{API}/sites",
        json=a_site(world.ids["customer"], location={"lat": 95, "lon": 13}),
        headers=world.as_("admin"),
    )
    body = problem(response, 422)
    assert body["field"] == "body.location.lat"
    assert body["errors"][0]["field"] == "body.location.lat"
    assert body["instance"] == f"{API}/sites"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/orders", {"priority": "P9"}, "body.priority"),
        ("/orders", {"estimated_duration_minutes": 0}, "body.estimated_duration_minutes"),
        ("/orders", {"channel": "fax"}, "body.channel"),
        (
            "/orders",
            {"required_skills": [{"skill": "hvac", "min_level": 6}]},
            "body.required_skills.0.min_level",
        ),
        (
            "/orders",
            {"time_window": {"start": "2026-03-02T12:00:00Z", "end": "2026-03-02T11:00:00Z"}},
            "body.time_window",
        ),
        (
            "/orders",
            {"time_window": {"start": "2026-03-02T12:00:00", "end": "2026-03-02T13:00:00"}},
            "body.time_window.start",
        ),
        ("/orders", {"unknown": 1}, "body.unknown"),
        ("/orders", {"site_id": None}, "body.site_id"),
    ],
)
def test_order_input_is_validated_with_the_offending_field(
    world: World, path: str, payload: dict[str, Any], field: str
) -> None:
    body = {**an_order(world.ids["customer"], world.ids["site"]), **payload}
    response = world.client.post(f"{API}{path}", json=body, headers=world.as_("dispatcher"))
    assert problem(response, 422)["field"] == field
    assert world.client.get(f"{API}/orders", headers=world.as_("admin")).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": {"hvac": 0}}, "body.skills.hvac"),
        ({"home_base": {"lat": 10, "lon": 181}}, "body.home_base.lon"),
        ({"shifts": [{"weekday": 7, "start": "08:00", "end": "09:00"}]}, "body.shifts.0.weekday"),
        ({"shifts": [{"weekday": 1, "start": "10:00", "end": "09:00"}]}, "body.shifts.0"),
        ({"timezone": "Mars/Olympus"}, "body.timezone"),
        ({"skills": {"plumbing": 2}}, "skills"),  # well-formed but unknown: the service says so
        (
            {
                "shifts": [
                    {
                        "weekday": 1,
                        "start": "08:00",
                        "end": "12:00",
                        "breaks": [{"start": "13:00", "end": "13:30"}],
                    }
                ]
            },
            "breaks",
        ),
    ],
)
def test_technician_input_is_validated(world: World, body: dict[str, Any], field: str) -> None:
    from tests.unit.api.conftest import a_technician

    response = world.client.post(f"{API}/technicians", json=a_technician(**body), headers=world.as_("admin"))
    assert problem(response, 422)["field"] == field


def test_domain_rule_violation_names_the_field(world: World) -> None:
    other = world.create("/customers", {"name": "Other"})["id"]
    response = world.client.post(
        f"{API}/orders", json=an_order(other, world.ids["site"]), headers=world.as_("dispatcher")
    )
    assert problem(response, 422)["field"] == "site_id"


def test_not_found_resource_and_route(world: World) -> None:
    assert "not found" in problem(world.client.get(f"{API}/sites/nope", headers=world.as_("admin")), 404)["detail"]
    assert problem(world.client.get(f"{API}/nothing-here"), 404)["type"] == "about:blank"


def test_method_not_allowed_keeps_the_allow_header(world: World) -> None:
    response = world.client.put(f"{API}/orders", headers=world.as_("admin"))
    problem(response, 405)
    assert response.headers["allow"]


def test_unauthenticated_and_forbidden(world: World) -> None:
    unauthenticated = world.client.get(f"{API}/orders")
    problem(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    problem(world.client.get(f"{API}/users", headers=world.as_("dispatcher")), 403)


def test_already_exists(world: World) -> None:
    response = world.client.post(f"{API}/skills", json={"code": "hvac", "name": "again"}, headers=world.as_("admin"))
    assert problem(response, 409)["type"].endswith("already-exists")


def test_malformed_json_is_a_422(world: World) -> None:
    response = world.client.post(
        f"{API}/skills",
        content=b"{not json",
        headers=world.as_("admin", **{"Content-Type": "application/json"}),
    )
    problem(response, 422)


def test_unexpected_errors_are_a_bare_500(services: Services, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(command: object) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(services.bus, "handle", explode)
    with TestClient(create_app(services=services), raise_server_exceptions=False) as client:
        response = client.post(f"{API}/skills", json={"code": "x", "name": "x"}, headers=world.as_("admin"))
    body = problem(response, 500)
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["title"] == "Internal server error"
