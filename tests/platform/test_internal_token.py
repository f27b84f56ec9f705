"""A service remembers an internal token it verified, but never past the token's expiry, and never
for a different key."""

from __future__ import annotations

import time
import uuid

import pytest

from helpdesk_common.auth import Operator, generate_key_pair, mint_internal_token, verify_internal_token
from helpdesk_common.errors import Unauthenticated


def test_a_remembered_token_still_expires_and_another_key_still_refuses_it() -> None:
    private_key, public_key = generate_key_pair()
    _, other_public_key = generate_key_pair()
    operator = Operator(id=uuid.uuid4(), username="ada", flags=frozenset({"tickets_enabled"}))
    # Three seconds, not one: exp counts whole seconds from the minting one, so a token minted late in
    # a second had only milliseconds left, and CI once saw it expire between the first two checks.
    token = mint_internal_token(operator, private_key_pem=private_key, ttl_seconds=3)

    assert verify_internal_token(token, public_key_pem=public_key).username == "ada"
    assert verify_internal_token(token, public_key_pem=public_key).flags == {"tickets_enabled"}
    with pytest.raises(Unauthenticated):
        verify_internal_token(token, public_key_pem=other_public_key)

    time.sleep(4.1)  # exp has a one-second resolution
    with pytest.raises(Unauthenticated, match="expired"):
        verify_internal_token(token, public_key_pem=public_key)


def test_a_forged_token_is_refused_even_after_a_genuine_one_was_remembered() -> None:
    private_key, public_key = generate_key_pair()
    forger_key, _ = generate_key_pair()
    operator = Operator(id=uuid.uuid4(), username="ada", flags=frozenset())
    genuine = mint_internal_token(operator, private_key_pem=private_key)
    assert verify_internal_token(genuine, public_key_pem=public_key).id == operator.id
    forged = mint_internal_token(
        Operator(id=operator.id, username="ada", flags=frozenset({"operators_manage"})),
        private_key_pem=forger_key,
    )
    with pytest.raises(Unauthenticated):
        verify_internal_token(forged, public_key_pem=public_key)
