"""STAND-IN until `mail_gateway/mailboxes/endpoints.py` (the settings' `imap_endpoint`) lands on this
branch: the IMAP endpoint of a stored mailbox row, its secrets opened. The lead swaps it at merge."""

from __future__ import annotations

from typing import Any

from helpdesk_common.secrets import SecretBox
from mail_gateway.connections.endpoint import Endpoint, OAuthClient


def imap_endpoint(row: Any, box: SecretBox, ca_file: str | None) -> Endpoint | None:
    if not row.imap_host:
        return None
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
        host=row.imap_host,
        port=row.imap_port,
        tls=row.imap_tls,
        username=row.imap_username,
        auth=row.auth_method,
        password=_open(box, row.imap_password_sealed, "IMAP password"),
        oauth=oauth,
        ca_file=ca_file or None,
    )


def _open(box: SecretBox, sealed: bytes | None, what: str) -> str:
    return box.open(sealed, what=what) if sealed else ""
