"""Secrets at rest: sealed with HELPDESK_SECRET_KEY, readable after a key rotation, and an unreadable
or missing key said in words that never carry the key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from helpdesk_common.secrets import SecretBox, SecretKeyMissing, SecretUnreadable


def test_a_sealed_secret_opens_and_is_not_plain_text() -> None:
    box = SecretBox(Fernet.generate_key().decode())
    sealed = box.seal("hunter2-imap")
    assert b"hunter2" not in sealed
    assert box.open(sealed) == "hunter2-imap"


def test_a_rotated_key_still_opens_old_secrets_and_reseals_them_under_the_new_one() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox(old).seal("refresh-token")
    rotating = SecretBox(f"{new},{old}")
    assert rotating.open(sealed) == "refresh-token"
    assert SecretBox(new).open(rotating.rotated(sealed)) == "refresh-token"


def test_a_secret_no_key_opens_is_a_conflict_naming_what_to_enter_again() -> None:
    sealed = SecretBox(Fernet.generate_key().decode()).seal("password")
    with pytest.raises(SecretUnreadable) as raised:
        SecretBox(Fernet.generate_key().decode()).open(sealed, what="IMAP password")
    assert raised.value.status_code == 409
    assert "IMAP password" in raised.value.detail


@pytest.mark.parametrize("key", ["", " , ", "not-a-fernet-key-but-secret-looking"])
def test_a_missing_or_malformed_key_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(SecretKeyMissing) as raised:
        SecretBox(key)
    assert "secret-looking" not in str(raised.value)
