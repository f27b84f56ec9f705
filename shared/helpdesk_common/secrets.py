"""Secrets at rest (mailbox passwords and OAuth2 refresh tokens, webhook signing keys): encrypted
with HELPDESK_SECRET_KEY before they reach a table, decrypted only where a connection needs them,
never returned by an API.

The key is a Fernet key (`helpdesk up` makes one). Several keys, comma-separated, rotate it: the
first encrypts, every one decrypts, and `rotated` re-encrypts a stored value under the first.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from helpdesk_common.errors import HelpdeskError


class SecretKeyMissing(RuntimeError):
    """The service was started without HELPDESK_SECRET_KEY, or with one that is not a Fernet key."""


class SecretUnreadable(HelpdeskError):
    """A stored secret no key decrypts (the key was replaced without keeping the old one)."""

    status_code = 409
    problem_type = "urn:helpdesk:problem:secret-unreadable"
    title = "Stored secret unreadable"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"The stored {what} cannot be decrypted with the current HELPDESK_SECRET_KEY; enter it again."
        )


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        keys = [key.strip() for key in secret_key.split(",") if key.strip()]
        if not keys:
            raise SecretKeyMissing("HELPDESK_SECRET_KEY is not set; secrets cannot be stored")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as error:
            # Never the key itself in the message.
            raise SecretKeyMissing(
                "HELPDESK_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes)"
            ) from error

    def seal(self, plain: str) -> bytes:
        return self._fernet.encrypt(plain.encode())

    def open(self, sealed: bytes, *, what: str = "secret") -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken as error:
            raise SecretUnreadable(what) from error

    def rotated(self, sealed: bytes) -> bytes:
        """The same secret under the first key (after a new key was put in front)."""
        return self._fernet.rotate(sealed)
