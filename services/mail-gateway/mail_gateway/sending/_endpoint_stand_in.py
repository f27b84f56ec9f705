"""Stand-in for connections/oauth.py's `access_token` (written by the poller's part of issue 16),
until that module lands and replaces this one."""

from __future__ import annotations

from mail_gateway.connections.endpoint import OAuthClient, ServerRefused


async def access_token(oauth: OAuthClient) -> str:
    raise ServerRefused("oauth", "OAuth2 access tokens are not available yet (connections/oauth.py)")
