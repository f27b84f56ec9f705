"""The test actions' connection checks, as a protocol: `async def check(endpoint) -> str` answers what
the server said when all went well and raises `ServerRefused` with its own words otherwise. They are
the connection modules' own (connections/imap.py, connections/smtp.py), so a test tries exactly what
the poller and the sender do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections import smtp
from mail_gateway.connections.endpoint import Endpoint
from mail_gateway.connections.imap import check_imap
from mail_gateway.connections.oauth import AccessTokens


class ConnectionCheck(Protocol):
    async def __call__(self, endpoint: Endpoint) -> str: ...


class FolderCheck(Protocol):
    async def __call__(self, endpoint: Endpoint, folder: str) -> str: ...


@dataclass(frozen=True)
class MailboxChecks:
    # IMAP selects the mailbox's own folder, as the poller does.
    imap: FolderCheck
    smtp: ConnectionCheck


def connection_checks(settings: MailGatewaySettings) -> MailboxChecks:
    """What the test actions run: each server as the poller and the sender use it (connect, TLS, the
    login; IMAP also selects the mailbox's folder and counts it; SMTP says EHLO and QUITs)."""
    tokens = AccessTokens()

    async def imap_login(endpoint: Endpoint, folder: str) -> str:
        return await check_imap(
            endpoint, folder, tokens=tokens, timeout_seconds=settings.mail_test_timeout_seconds
        )

    async def smtp_login(endpoint: Endpoint) -> str:
        token = await tokens.token(endpoint.oauth) if endpoint.oauth is not None else None
        return await smtp.check(
            endpoint, command_seconds=settings.mail_test_timeout_seconds, access_token=token
        )

    return MailboxChecks(imap=imap_login, smtp=smtp_login)
