"""Webhook requests against a real HTTP receiver on loopback (issue 17, part 4): refused by default,
by address and by a name that resolves to loopback; sent once the allow-list admits loopback;
redirects answered, never followed; a slow receiver is a timeout."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from helpdesk_common.embedded import free_port
from notifier.webhooks.addresses import AddressPolicy
from notifier.webhooks.requests import Answered, open_session, send

LOOPBACK_ALLOWED = AddressPolicy.from_setting(["127.0.0.1/32"])


@dataclass
class Receiver:
    port: int
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver(free_port())

    async def hook(request: web.Request) -> web.Response:
        found.received.append((request.method, request.path, dict(request.headers), await request.read()))
        if request.path == "/redirect":
            raise web.HTTPFound(found.url("/target"))
        if request.path == "/slow":
            await asyncio.sleep(5)
        return web.Response(status=202, text="accepted " + "x" * 5000)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", found.port).start()
    try:
        yield found
    finally:
        await runner.cleanup()


class _Rebinding(AbstractResolver):
    """A name server outside the platform, faked: the name was public when the webhook was saved and
    now answers with loopback (DNS rebinding)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0)
        ]

    async def close(self) -> None:
        return None


async def _send(
    policy: AddressPolicy,
    url: str,
    resolver: AbstractResolver | None = None,
    *,
    method: str = "POST",
    body: bytes = b"{}",
    timeout_seconds: float = 2.0,
) -> Answered:
    async with open_session(policy, resolver=resolver) as session:
        return await send(
            session,
            policy,
            method=method,
            url=url,
            headers={"Content-Type": "application/json"},
            body=body,
            timeout_seconds=timeout_seconds,
        )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"])
async def test_by_default_nothing_reaches_loopback_however_it_is_named(receiver: Receiver, host: str) -> None:
    answered = await _send(AddressPolicy(), receiver.url(host=host))
    assert answered.status is None and answered.error is not None and "Not sent" in answered.error, answered
    assert receiver.received == []


async def test_a_name_that_now_resolves_to_loopback_is_refused_when_sent(receiver: Receiver) -> None:
    answered = await _send(AddressPolicy(), receiver.url(host="hooks.example.com"), _Rebinding())
    assert answered.error is not None and "loopback" in answered.error, answered
    assert receiver.received == []


async def test_the_allow_list_lets_a_request_through_as_sent(receiver: Receiver) -> None:
    answered = await _send(LOOPBACK_ALLOWED, receiver.url(), method="PUT", body=b'{"a": 1}')
    assert (answered.status, answered.error) == (202, None)
    assert answered.preview.startswith("accepted") and len(answered.preview) == 2048
    [(method, path, headers, body)] = receiver.received
    assert (method, path, body, headers["Content-Type"]) == ("PUT", "/hook", b'{"a": 1}', "application/json")


async def test_a_redirect_is_answered_and_not_followed(receiver: Receiver) -> None:
    answered = await _send(LOOPBACK_ALLOWED, receiver.url("/redirect"))
    assert answered.status == 302
    assert [path for _, path, _, _ in receiver.received] == ["/redirect"]


async def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(receiver: Receiver) -> None:
    answered = await _send(LOOPBACK_ALLOWED, receiver.url("/slow"), timeout_seconds=0.5)
    assert answered.status is None and answered.error == "No answer within 0.5 s."
