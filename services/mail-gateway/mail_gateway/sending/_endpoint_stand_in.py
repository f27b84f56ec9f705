"""Stand-in for mailboxes/endpoints.py's `smtp_endpoint` (written by the mailbox settings' part of
issue 16): the same function, from the `mailboxes` columns that exist, until that module lands and
replaces this one. Also the stand-in for connections/oauth.py's `access_token`."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.secrets import SecretBox
from mail_gateway.connections.endpoint import Endpoint, OAuthClient, ServerRefused
from mail_gateway.tables.mailboxes import mailboxes


async def smtp_endpoint(
    session: AsyncSession, department_id: uuid.UUID, settings: HelpdeskSettings
) -> Endpoint | None:
    """The department's SMTP server with its secrets opened; None when it has no enabled mailbox
    with an SMTP server."""
    row = (await session.execute(select(mailboxes).where(mailboxes.c.department_id == department_id))).first()
    if row is None or not row.enabled or not row.smtp_host:
        return None
    box = SecretBox(settings.secret_key)
    oauth = None
    if row.auth_method == "oauth2":
        oauth = OAuthClient(
            token_endpoint=row.oauth_token_endpoint,
            client_id=row.oauth_client_id,
            client_secret=_open(box, row.oauth_client_secret_sealed, "OAuth2 client secret"),
            refresh_token=_open(box, row.oauth_refresh_token_sealed, "OAuth2 refresh token"),
            scope=row.oauth_scope,
            mechanism=row.oauth_mechanism,
        )
    return Endpoint(
        host=row.smtp_host,
        port=row.smtp_port,
        tls=row.smtp_tls,
        username=row.smtp_username,
        auth=row.auth_method,
        password=_open(box, row.smtp_password_sealed, "SMTP password"),
        oauth=oauth,
        ca_file=getattr(settings, "mail_ca_file", None),
    )


async def access_token(oauth: OAuthClient) -> str:
    raise ServerRefused("oauth", "OAuth2 access tokens are not available yet (connections/oauth.py)")


def _open(box: SecretBox, sealed: bytes | None, what: str) -> str:
    return box.open(sealed, what=what) if sealed else ""
