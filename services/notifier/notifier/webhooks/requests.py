"""One webhook request as sent: through the address guard, never following a redirect, within a
timeout, answered with what an administrator reads (status, time, the start of the answer) or the
reason it was not answered."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from notifier.webhooks.addresses import AddressPolicy, AddressRefused, GuardedResolver, url_refusal

# What is kept of an answer's body for the log and the test action.
ANSWER_PREVIEW_BYTES = 2048


@dataclass(frozen=True)
class Answered:
    status: int | None
    milliseconds: float
    preview: str
    error: str | None = None
    retry_after: str | None = None
    # Not sent at all: the address guard refused every address of the target.
    refused: bool = False


def open_session(
    policy: AddressPolicy, *, connections: int = 100, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The session every webhook request of a process goes through; proxies from the environment are
    not used (trust_env off), so no request leaves by a route the guard did not check. `resolver`:
    the name service under the guard (the system's by default)."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy, resolver), limit=connections)
    return aiohttp.ClientSession(connector=connector, trust_env=False)


async def send(
    session: aiohttp.ClientSession,
    policy: AddressPolicy,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout_seconds: float,
) -> Answered:
    started = time.perf_counter()
    # aiohttp connects to an address literal without asking the resolver: checked here.
    refusal = url_refusal(url, policy)
    if refusal is not None:
        return Answered(None, 0.0, "", error=f"Not sent: {refusal} (not allowed for webhooks).", refused=True)
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            data=body,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            preview = await response.content.read(ANSWER_PREVIEW_BYTES)
            return Answered(
                response.status,
                _since(started),
                preview.decode("utf-8", "replace"),
                retry_after=response.headers.get("Retry-After"),
            )
    except AddressRefused as refused:
        return Answered(None, _since(started), "", error=f"Not sent: {refused}.", refused=True)
    except aiohttp.ClientConnectorError as error:
        if isinstance(error.os_error, AddressRefused):
            return Answered(None, _since(started), "", error=f"Not sent: {error.os_error}.", refused=True)
        return Answered(None, _since(started), "", error=f"Could not connect: {error.os_error}")
    except TimeoutError:
        return Answered(None, _since(started), "", error=f"No answer within {timeout_seconds:g} s.")
    except aiohttp.ClientError as error:
        return Answered(None, _since(started), "", error=f"The request failed: {error}")


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
