"""What every service's HTTP side guarantees: the internal token, flags, problem details, body limits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError

from helpdesk_common.auth import (
    INTERNAL_TOKEN_HEADER,
    Operator,
    generate_key_pair,
    mint_internal_token,
    require,
)
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port
from helpdesk_common.errors import NotFound
from helpdesk_common.http.app import create_app
from tests.backbone.harness import eventually

PRIVATE_KEY, PUBLIC_KEY = generate_key_pair()


class TicketDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = HelpdeskSettings(internal_token_public_key=PUBLIC_KEY, http_max_body_bytes=1024)
    app = create_app(title="contract", settings=settings, readiness_checks={})

    @app.post("/drafts", status_code=201)
    async def create_draft(
        draft: TicketDraft, operator: Annotated[Operator, Depends(require("tickets_create"))]
    ) -> dict[str, str]:
        return {"title": draft.title, "by": operator.username}

    @app.get("/drafts/{number}")
    async def read_draft(
        number: str, operator: Annotated[Operator, Depends(require("tickets_enabled"))]
    ) -> None:
        raise NotFound(f"Ticket {number} does not exist.")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


def token(*flags: str, ttl: int = 60, key: str = PRIVATE_KEY) -> dict[str, str]:
    operator = Operator(id=uuid.uuid4(), username="ada", flags=frozenset(flags))
    return {INTERNAL_TOKEN_HEADER: mint_internal_token(operator, private_key_pem=key, ttl_seconds=ttl)}


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


async def test_a_request_that_bypasses_the_gateway_is_refused(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/drafts", json={"title": "x"}), 401)
    assert "gateway" in str(body["detail"])


async def test_a_forged_or_expired_token_is_refused(client: httpx.AsyncClient) -> None:
    other_private, _ = generate_key_pair()
    assert_problem(
        await client.post("/drafts", json={"title": "x"}, headers=token("tickets_create", key=other_private)),
        401,
    )
    expired = assert_problem(
        await client.post("/drafts", json={"title": "x"}, headers=token("tickets_create", ttl=-120)), 401
    )
    assert "expired" in str(expired["detail"])
    garbage = {INTERNAL_TOKEN_HEADER: "not.a.token"}
    assert_problem(await client.post("/drafts", json={"title": "x"}, headers=garbage), 401)


async def test_a_missing_flag_answers_403_naming_it(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/drafts", json={"title": "x"}, headers=token("tickets_edit")), 403
    )
    assert body["flag"] == "tickets_create"
    assert "tickets_create" in str(body["detail"])


async def test_the_right_flag_passes_and_the_operator_is_known(client: httpx.AsyncClient) -> None:
    response = await client.post("/drafts", json={"title": "Printer"}, headers=token("tickets_create"))
    assert response.status_code == 201
    assert response.json() == {"title": "Printer", "by": "ada"}


async def test_bad_input_answers_problem_details(client: httpx.AsyncClient) -> None:
    headers = {**token("tickets_create"), "content-type": "application/json"}
    malformed = assert_problem(await client.post("/drafts", content=b"{not json", headers=headers), 422)
    assert malformed["errors"]
    unknown = assert_problem(
        await client.post("/drafts", json={"title": "x", "admin": True}, headers=headers), 422
    )
    assert any(error["field"] == "admin" for error in unknown["errors"])  # type: ignore[union-attr]
    missing = assert_problem(await client.post("/drafts", json={}, headers=headers), 422)
    assert any(error["field"] == "title" for error in missing["errors"])  # type: ignore[union-attr]


async def test_an_oversized_body_is_refused_with_413_declared_or_streamed(client: httpx.AsyncClient) -> None:
    headers = token("tickets_create")
    assert_problem(await client.post("/drafts", json={"title": "x" * 5000}, headers=headers), 413)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 512

    assert_problem(await client.post("/drafts", content=chunks(), headers=headers), 413)


async def test_domain_errors_become_problem_details(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/drafts/TKT-000404", headers=token("tickets_enabled")), 404)
    assert body["detail"] == "Ticket TKT-000404 does not exist."
    assert body["instance"] == "/drafts/TKT-000404"


@pytest.fixture
async def failing_service() -> AsyncIterator[int]:
    """A real server (uvicorn, as services run) whose routes fail in the ways a service can."""
    app = create_app(title="failing", settings=HelpdeskSettings(), readiness_checks={})

    @app.post("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    @app.post("/database-away")
    async def database_away() -> None:
        refused = asyncpg.CannotConnectNowError("the database system is starting up")
        raise DBAPIError("INSERT ...", None, refused, connection_invalidated=True)

    @app.post("/nul")
    async def nul() -> None:
        raise asyncpg.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00")

    @app.post("/fine")
    async def fine() -> dict[str, bool]:
        return {"ok": True}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, within=10, what="the server")
    yield port
    server.should_exit = True
    await serving


async def test_an_unhandled_error_is_a_problem_and_the_connection_stays_open(failing_service: int) -> None:
    limits = httpx.Limits(max_keepalive_connections=1, max_connections=1)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{failing_service}", limits=limits) as http:
        for _ in range(3):
            crashed = assert_problem(await http.post("/crash"), 500)
            assert "a bug" not in str(crashed), "no internals in the answer"
            assert (await http.post("/fine")).json() == {"ok": True}
        away = assert_problem(await http.post("/database-away"), 503)
        assert away["type"] == "urn:helpdesk:problem:database-unavailable"
        unstorable = assert_problem(await http.post("/nul"), 422)
        assert "NUL" in str(unstorable["detail"])
        assert (await http.post("/fine")).status_code == 200

    # One connection, written by hand: the answer to the crash keeps it alive for the next request.
    reader, writer = await asyncio.open_connection("127.0.0.1", failing_service)
    request = b"POST %s HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n"
    writer.write(request % b"/crash" + request % b"/fine")
    answers = b""
    while answers.count(b"HTTP/1.1") < 2 or not answers.endswith(b'{"ok":true}'):
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        assert chunk, f"the server closed the connection after: {answers!r}"
        answers += chunk
    assert answers.startswith(b"HTTP/1.1 500") and b"HTTP/1.1 200" in answers
    writer.close()


async def test_the_database_being_away_is_503_with_retry_after(failing_service: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{failing_service}") as http:
        response = await http.post("/database-away")
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "2"
