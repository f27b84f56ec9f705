"""One webhook request as it leaves: the body template filled in, the saved headers, and the Standard
Webhooks signature over exactly the bytes sent; kept as logged (the delivery log shows it)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from notifier.webhooks.addresses import AddressPolicy
from notifier.webhooks.requests import Answered, send
from notifier.webhooks.signing import signed_headers
from notifier.webhooks.templates import render


@dataclass(frozen=True)
class Outgoing:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def logged(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body.decode("utf-8", "replace"),
        }


def build(webhook: Any, values: Mapping[str, str], *, secret: str, message_id: str) -> Outgoing:
    """`webhook`: its row (method, url, body, headers); `message_id`: the delivery's id."""
    body = render(webhook.body, values).encode()
    headers = {
        **dict(webhook.headers),
        **signed_headers(secret, message_id=message_id, timestamp=int(time.time()), body=body),
    }
    return Outgoing(webhook.method, webhook.url, headers, body)


async def deliver(
    session: aiohttp.ClientSession, policy: AddressPolicy, outgoing: Outgoing, *, timeout_seconds: float
) -> Answered:
    return await send(
        session,
        policy,
        method=outgoing.method,
        url=outgoing.url,
        headers=outgoing.headers,
        body=outgoing.body or None,
        timeout_seconds=timeout_seconds,
    )
