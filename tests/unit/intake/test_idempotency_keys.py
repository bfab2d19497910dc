"""Idempotency keys: header validation, request fingerprints, derived event ids."""

from __future__ import annotations

import pytest

from escalations_intake.db.idempotency import check_key, event_id_for, fingerprint
from escalations_intake.http.problems import Problem


@pytest.mark.parametrize("key", ["a", "6c1f4a8e-9b0e-4c55-8a3b-3d2f3f8f6d11", "x" * 200, "~!@#"])
def test_valid_keys_pass(key: str) -> None:
    """Visible ASCII up to 200 characters is a key."""
    assert key == check_key(key)


@pytest.mark.parametrize("key", ["", "x" * 201, "a b", "tab\there", "ümlaut"])
def test_invalid_keys_are_400_naming_the_header(key: str) -> None:
    """Anything else is a 400 naming the header."""
    with pytest.raises(Problem) as caught:
        check_key(key)
    assert (400, True) == (caught.value.status, "Idempotency-Key" in caught.value.detail)


def test_no_header_is_no_key() -> None:
    """Without the header there is nothing to check."""
    assert None is check_key(None)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    """Key order does not change the fingerprint; a value, the path or the method does."""
    base = fingerprint("POST", "/v1/escalations", {"a": 1, "b": [1, 2]})
    assert base == fingerprint("POST", "/v1/escalations", {"b": [1, 2], "a": 1})
    others = {
        fingerprint("POST", "/v1/escalations", {"a": 2, "b": [1, 2]}),
        fingerprint("POST", "/v1/simulate", {"a": 1, "b": [1, 2]}),
        fingerprint("PUT", "/v1/escalations", {"a": 1, "b": [1, 2]}),
    }
    assert base not in others
    assert 3 == len(others)


def test_event_ids_are_stable_per_source_key_and_path() -> None:
    """The same keyed request always gets the same event id; any difference changes it."""
    first = event_id_for("legal", "k1", "/v1/escalations")
    assert first == event_id_for("legal", "k1", "/v1/escalations")
    assert 3 == len(
        {
            event_id_for("press", "k1", "/v1/escalations"),
            event_id_for("legal", "k2", "/v1/escalations"),
            event_id_for("legal", "k1", "/v1/escalations/x/resolve"),
        }
        - {first}
    )
