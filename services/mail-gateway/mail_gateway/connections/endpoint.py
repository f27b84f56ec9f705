"""Where and how to reach one mail server of a mailbox: host, port, TLS mode, and the credentials
already decrypted (mailboxes/endpoints.py builds it from the stored row). The IMAP poller, the SMTP
sender and the settings' test actions all connect from this one description."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

TlsMode = Literal["implicit", "starttls", "none"]
AuthMethod = Literal["password", "oauth2"]
SaslMechanism = Literal["XOAUTH2", "OAUTHBEARER"]


@dataclass(frozen=True)
class OAuthClient:
    """A refresh token and where to trade it for an access token (Microsoft 365, Gmail)."""

    token_endpoint: str
    client_id: str
    client_secret: str
    refresh_token: str
    scope: str = ""
    mechanism: SaslMechanism = "XOAUTH2"
    # Called with the new refresh token when the endpoint rotates it (RFC 6749 section 6 allows it;
    # Microsoft 365 and Google do), so that the stored one, now revoked, is replaced.
    keep_rotated: Callable[[str], Awaitable[None]] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: TlsMode
    username: str
    auth: AuthMethod = "password"
    password: str = field(default="", repr=False)
    oauth: OAuthClient | None = field(default=None, repr=False)
    # Extra certificate authorities to trust (HELPDESK_MAIL_CA_FILE: an internal CA, or the tests'),
    # beside the system's.
    ca_file: str | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """Certificates verified and host names checked, always: a mailbox password is never sent
        to a server that could not prove who it is."""
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


class ServerRefused(Exception):
    """A mail server refused or could not be reached: `words` is what it said (or what the network
    said), for the test actions and the mailbox's health; never a secret."""

    def __init__(self, stage: str, words: str, *, credentials: bool = False) -> None:
        super().__init__(f"{stage}: {words}")
        self.stage = stage
        self.words = words
        # The server refused the credentials (not the network, not TLS): the health flag.
        self.credentials = credentials
