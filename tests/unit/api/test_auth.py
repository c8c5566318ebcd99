"""Sign-in, access tokens, API keys and the current actor."""

from __future__ import annotations

import jwt

from fieldpilot.api.auth import split_api_key
from tests.unit.api.conftest import API, PASSWORD, World


def test_token_endpoint_issues_a_signed_expiring_bearer_token(world: World) -> None:
    response = world.client.post(f"{API}/auth/token", data={"username": "dispatcher", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 24 * 3600
    claims = jwt.decode(
        body["access_token"],
        world.services.settings.secret_key,
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    assert claims["sub"].startswith("usr_")
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_wrong_password_and_unknown_user_get_the_same_401(world: World) -> None:
    wrong = world.client.post(f"{API}/auth/token", data={"username": "dispatcher", "password": "nope-nope-nope"})
    unknown = world.client.post(f"{API}/auth/token", data={"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_an_expired_token_is_refused(world: World) -> None:
    world.clock.advance(hours=24, seconds=1)
    response = world.client.get(f"{API}/me", headers=world.as_("dispatcher"))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_forged_token_is_refused(world: World) -> None:
    forged = jwt.encode({"sub": "usr_000001", "iat": 0, "exp": 4_000_000_000, "typ": "access"}, "x" * 40)
    response = world.client.get(f"{API}/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_me_describes_the_actor_and_its_permissions(world: World) -> None:
    me = world.client.get(f"{API}/me", headers=world.as_("tech_a")).json()
    assert (me["kind"], me["role"], me["technician_id"]) == ("user", "technician", world.ids["tech_a"])
    assert "order:field_work" in me["permissions"]
    assert "order:list" not in me["permissions"]
    key = world.client.get(f"{API}/me", headers=world.as_("api_key")).json()
    assert (key["kind"], key["role"]) == ("api_key", "integration")


def test_api_key_is_shown_once_and_works_until_revoked(world: World) -> None:
    created = world.client.post(f"{API}/api-keys", json={"name": "erp"}, headers=world.as_("admin"))
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    key = created.json()["key"]
    assert key.startswith("fp_")
    listed = world.client.get(f"{API}/api-keys", headers=world.as_("admin")).json()["items"]
    assert all("key" not in k and "secret_hash" not in k for k in listed)
    assert world.client.get(f"{API}/orders", headers={"X-API-Key": key}).status_code == 200
    revoked = world.client.delete(f"{API}/api-keys/{created.json()['id']}", headers=world.as_("admin"))
    assert revoked.status_code == 204
    refused = world.client.get(f"{API}/orders", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_wrong_or_malformed_api_keys_are_refused(world: World) -> None:
    good = world.headers["api_key"]["X-API-Key"]
    for bad in (good[:-2] + "xx", "fp_nope", "not-a-key", good.replace("fp_", "fp_zz", 1)):
        assert world.client.get(f"{API}/orders", headers={"X-API-Key": bad}).status_code == 401


def test_api_key_splits_on_the_first_underscore_after_the_prefix() -> None:
    assert split_api_key("fp_abc123_se_cr-et") == ("abc123", "se_cr-et")
    assert split_api_key("fp_abc") is None
    assert split_api_key("xx_abc_def") is None


def test_admin_creates_users_but_passwords_never_come_back(world: World) -> None:
    response = world.client.post(
        f"{API}/users",
        json={"username": "dora", "password": "long-enough-pw", "role": "dispatcher", "full_name": "Dora"},
        headers=world.as_("admin"),
    )
    assert response.status_code == 201
    assert response.headers["etag"] == '"1"'
    assert "password" not in response.text and "password_hash" not in response.text
    assert (
        world.client.post(f"{API}/auth/token", data={"username": "dora", "password": "long-enough-pw"}).status_code
        == 200
    )


def test_short_passwords_and_unlinked_technician_users_are_refused(world: World) -> None:
    short = world.client.post(
        f"{API}/users",
        json={"username": "e", "password": "short", "role": "manager"},
        headers=world.as_("admin"),
    )
    assert short.json()["field"] == "body.password"
    unlinked = world.client.post(
        f"{API}/users",
        json={"username": "f", "password": "long-enough-pw", "role": "technician"},
        headers=world.as_("admin"),
    )
    assert (unlinked.status_code, unlinked.json()["field"]) == (422, "technician_id")
