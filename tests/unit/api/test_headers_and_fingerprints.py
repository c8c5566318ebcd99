"""Properties of the request plumbing: If-Match parsing and request fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldpilot.api.deps import parse_if_match
from fieldpilot.api.fingerprint import fingerprint
from fieldpilot.api.schemas.orders import OrderCreate
from fieldpilot.domain.errors import InvalidInput

versions = st.integers(min_value=0, max_value=10**12)
codes = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)


@settings(max_examples=50)
@given(versions, st.booleans())
def test_if_match_reads_back_the_etag_it_was_given(version: int, weak: bool) -> None:
    assert parse_if_match(f'{"W/" if weak else ""}"{version}"') == version


@pytest.mark.parametrize("value", ["3", '"three"', "*", '"1", "2"', 'W/ "1"', ""])
def test_if_match_refuses_what_is_not_one_of_our_etags(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_if_match(value)
    assert refused.value.field == "If-Match"


def test_missing_if_match_is_none_so_the_handler_answers_428() -> None:
    assert parse_if_match(None) is None


@settings(max_examples=50)
@given(st.lists(codes, unique=True, max_size=6), st.dictionaries(codes, st.integers(), max_size=5))
def test_fingerprint_ignores_field_and_set_order(tools: list[str], custom: dict[str, int]) -> None:
    base = {"customer_id": "c", "site_id": "s", "service_type": "repair"}
    one = OrderCreate.model_validate({**base, "required_tools": tools, "custom_fields": custom})
    reordered = dict(reversed(list({**base, "custom_fields": dict(reversed(list(custom.items())))}.items())))
    two = OrderCreate.model_validate({**reordered, "required_tools": list(reversed(tools))})
    assert fingerprint(one) == fingerprint(two)


@given(st.sampled_from(["P1", "P2", "P3", "P4"]), st.sampled_from(["P1", "P2", "P3", "P4"]))
def test_fingerprint_changes_with_the_meaning(first: str, second: str) -> None:
    base = {"customer_id": "c", "site_id": "s", "service_type": "repair"}
    same = fingerprint(OrderCreate.model_validate({**base, "priority": first})) == fingerprint(
        OrderCreate.model_validate({**base, "priority": second})
    )
    assert same == (first == second)


def test_explicit_defaults_fingerprint_like_omitted_ones() -> None:
    base = {"customer_id": "c", "site_id": "s", "service_type": "repair"}
    assert fingerprint(OrderCreate.model_validate(base)) == fingerprint(
        OrderCreate.model_validate({**base, "channel": "api", "required_parts": []})
    )


def test_times_fingerprint_in_utc() -> None:
    base = {"customer_id": "c", "site_id": "s", "service_type": "repair"}
    utc = {"start": "2026-03-02T12:00:00Z", "end": "2026-03-02T13:00:00Z"}
    paris = {"start": "2026-03-02T13:00:00+01:00", "end": "2026-03-02T14:00:00+01:00"}
    assert fingerprint(OrderCreate.model_validate({**base, "time_window": utc})) == fingerprint(
        OrderCreate.model_validate({**base, "time_window": paris})
    )
