"""The `Endpoint`s of a stored mailbox, secrets opened: what the poller, the sender and the test
actions connect with. A server without a host is not set up (None); whether the mailbox is enabled
is the caller's question (the test actions try a paused mailbox too)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from helpdesk_common.secrets import SecretBox
from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections.endpoint import Endpoint, OAuthClient
from mail_gateway.tables.mailboxes import mailboxes

Stored = Row[Any] | Mapping[str, Any]


def imap_endpoint(
    row: Stored, box: SecretBox, settings: MailGatewaySettings, engine: AsyncEngine
) -> Endpoint | None:
    return _endpoint("imap", _mapping(row), box, settings, engine)


def smtp_endpoint(
    row: Stored, box: SecretBox, settings: MailGatewaySettings, engine: AsyncEngine
) -> Endpoint | None:
    return _endpoint("smtp", _mapping(row), box, settings, engine)


async def department_smtp_endpoint(
    session: AsyncSession, department_id: uuid.UUID, settings: MailGatewaySettings
) -> Endpoint | None:
    """The department's SMTP server for the sender; None without a mailbox, an SMTP host or a From
    address. A mailbox whose polling is paused still sends: replies must not stop with ingestion."""
    row = (await session.execute(select(mailboxes).where(mailboxes.c.department_id == department_id))).first()
    if row is None or not row.from_address:
        return None
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the service's engine"
    return smtp_endpoint(row, SecretBox(settings.secret_key), settings, engine)


def _endpoint(
    server: str, row: Mapping[str, Any], box: SecretBox, settings: MailGatewaySettings, engine: AsyncEngine
) -> Endpoint | None:
    if not row[f"{server}_host"]:
        return None
    oauth = row["auth_method"] == "oauth2"
    password = _opened(box, row[f"{server}_password_sealed"], f"{server.upper()} password")
    return Endpoint(
        host=row[f"{server}_host"],
        port=row[f"{server}_port"],
        tls=row[f"{server}_tls"],
        username=row[f"{server}_username"],
        auth=row["auth_method"],
        password="" if oauth else password,
        oauth=_oauth_client(row, box, engine) if oauth else None,
        ca_file=settings.mail_ca_file or None,
    )


def _oauth_client(row: Mapping[str, Any], box: SecretBox, engine: AsyncEngine) -> OAuthClient:
    department_id = row["department_id"]
    replaced = row["oauth_refresh_token_sealed"]

    async def keep_rotated(refresh_token: str) -> None:
        """In a transaction of its own: the old token is revoked already, whatever the caller's
        transaction does. Only over the token it replaces, never over one an administrator saved
        meanwhile; `updated_at` is left alone, so no worker reconnects for it."""
        nonlocal replaced
        sealed = box.seal(refresh_token)
        async with engine.begin() as connection:
            written = await connection.execute(
                update(mailboxes)
                .where(
                    mailboxes.c.department_id == department_id,
                    mailboxes.c.oauth_refresh_token_sealed == replaced,
                )
                .values(oauth_refresh_token_sealed=sealed)
            )
        if written.rowcount == 1:
            replaced = sealed

    return OAuthClient(
        token_endpoint=row["oauth_token_endpoint"],
        client_id=row["oauth_client_id"],
        client_secret=_opened(box, row["oauth_client_secret_sealed"], "OAuth2 client secret"),
        refresh_token=_opened(box, row["oauth_refresh_token_sealed"], "OAuth2 refresh token"),
        scope=row["oauth_scope"],
        mechanism=row["oauth_mechanism"],
        keep_rotated=keep_rotated,
    )


def _opened(box: SecretBox, sealed: bytes | None, what: str) -> str:
    return box.open(sealed, what=what) if sealed is not None else ""


def _mapping(row: Stored) -> Mapping[str, Any]:
    return cast(Mapping[str, Any], row._mapping) if isinstance(row, Row) else row
