"""The merged API description, from real services answering on loopback."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.openapi import install_merged_openapi, refs, resolve
from helpdesk_common.auth import Operator, require
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port
from helpdesk_common.http.app import create_app
from helpdesk_common.testing.http import serving

SETTINGS = HelpdeskSettings()


class Customer(BaseModel):
    name: str


class TicketCreate(BaseModel):
    title: str
    customer: Customer


class TicketOut(TicketCreate):
    id: uuid.UUID


class Page(BaseModel):
    items: list[TicketOut]


class EntryCreate(BaseModel):
    minutes: int


def ticketing() -> FastAPI:
    app = create_app(title="ticketing", settings=SETTINGS, readiness_checks={})

    @app.post("/tickets", status_code=201, tags=["tickets"])
    async def create_ticket(
        data: TicketCreate, operator: Annotated[Operator, Depends(require("tickets_create"))]
    ) -> TicketOut:
        return TicketOut(id=uuid.uuid4(), **data.model_dump())

    @app.get("/tickets", tags=["tickets"])
    async def list_tickets(operator: Annotated[Operator, Depends(require("tickets_enabled"))]) -> Page:
        return Page(items=[])

    @app.get("/tickets/{ticket_id}", tags=["tickets"])
    async def read_ticket(ticket_id: uuid.UUID) -> TicketOut:
        raise NotImplementedError

    return app


def timetracking() -> FastAPI:
    app = create_app(title="timetracking", settings=SETTINGS, readiness_checks={})

    # Two services with a schema of the same name: namespacing keeps both.
    class Page(BaseModel):
        items: list[EntryCreate]

    @app.get("/entries", response_model=Page, tags=["entries"])
    async def list_entries() -> Any:
        return {"items": []}

    @app.post("/entries", status_code=201)
    async def create_entry(data: EntryCreate) -> EntryCreate:
        return data

    return app


class Counter:
    """Counts requests for the API description, to see the cache at work."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.openapi_requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/openapi.json":
            self.openapi_requests += 1
        await self.app(scope, receive, send)


@dataclass
class Docs:
    client: httpx.AsyncClient
    ticketing: Counter


@pytest.fixture(scope="module")
async def docs() -> AsyncIterator[Docs]:
    counted = Counter(ticketing())
    async with contextlib.AsyncExitStack() as stack:
        ticketing_url = await stack.enter_async_context(serving(counted))
        timetracking_url = await stack.enter_async_context(serving(timetracking()))
        gateway = create_app(title="Gateway", settings=SETTINGS, readiness_checks={})

        @gateway.post("/session", tags=["sign-in"])
        async def sign_in(data: Customer) -> Customer:
            return data

        install_merged_openapi(
            gateway,
            {
                "ticketing": ticketing_url,
                "timetracking": timetracking_url,
                # Nothing listens there.
                "mail-gateway": f"http://127.0.0.1:{free_port()}",
            },
        )
        gateway_url = await stack.enter_async_context(serving(gateway))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        yield Docs(client=client, ticketing=counted)


async def merged(docs: Docs) -> dict[str, Any]:
    response = await docs.client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


async def test_the_services_paths_are_under_their_public_names(docs: Docs) -> None:
    paths = (await merged(docs))["paths"]
    assert {"/api/tickets/tickets", "/api/tickets/tickets/{ticket_id}", "/api/time/entries"} <= set(paths)
    assert "/session" in paths
    assert not any(path.startswith("/api/mail") for path in paths)
    assert not any(path.endswith(("healthz", "readyz")) for path in paths)
    assert set(paths["/api/tickets/tickets"]) == {"get", "post"}


async def test_schemas_are_namespaced_and_every_ref_resolves(docs: Docs) -> None:
    document = await merged(docs)
    schemas = document["components"]["schemas"]
    assert {"ticketing__TicketCreate", "ticketing__Customer", "ticketing__Page", "timetracking__Page"} <= set(
        schemas
    )
    assert schemas["ticketing__Page"] != schemas["timetracking__Page"]
    assert not {"TicketCreate", "Page", "HTTPValidationError", "ValidationError"} & set(schemas)
    all_refs = refs(document)
    assert "#/components/schemas/ticketing__Customer" in all_refs
    for ref in all_refs:
        assert ref.startswith("#/components/"), ref
        assert isinstance(resolve(document, ref), dict), ref
    operation_ids = [operation["operationId"] for operation in operations(document)]
    assert len(operation_ids) == len(set(operation_ids))
    assert any(op_id.startswith("ticketing__") for op_id in operation_ids)


async def test_every_error_answer_is_the_one_problem_schema(docs: Docs) -> None:
    document = await merged(docs)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) >= {"type", "title", "status", "detail", "instance"}
    assert problem["additionalProperties"] is True
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operation in operations(document):
        responses = operation["responses"]
        assert responses["default"]["content"] == problem_content
        for code, response in responses.items():
            if code[0] in "45":
                assert response["content"] == problem_content
    create = document["paths"]["/api/tickets/tickets"]["post"]
    assert create["responses"]["422"]["content"] == problem_content
    assert create["tags"] == ["tickets: tickets"]


async def test_a_service_that_does_not_answer_is_left_out_with_a_note(docs: Docs) -> None:
    description = (await merged(docs))["info"]["description"]
    assert "`mail`: mail-gateway did not answer" in description
    assert "`sla`: sla-engine is not configured" in description
    assert "`tickets`" in description


async def test_the_document_is_cached_briefly(docs: Docs) -> None:
    await merged(docs)
    asked = docs.ticketing.openapi_requests
    await merged(docs)
    await merged(docs)
    assert docs.ticketing.openapi_requests == asked


async def test_docs_serve_swagger_ui_on_the_merged_document(docs: Docs) -> None:
    response = await docs.client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text
