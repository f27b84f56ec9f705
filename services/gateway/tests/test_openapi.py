"""The merged API description, from real services answering on loopback."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.openapi import install_merged_openapi, refs, resolve
from helpdesk_common.auth import Operator, require
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port
from helpdesk_common.http.app import create_app
from helpdesk_common.http.openapi import problem
from helpdesk_common.idempotency import IdempotencyKey
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
        data: TicketCreate,
        operator: Annotated[Operator, Depends(require("tickets_create"))],
        idempotency_key: IdempotencyKey = None,
    ) -> TicketOut:
        return TicketOut(id=uuid.uuid4(), **data.model_dump())

    @app.get("/tickets", tags=["tickets"])
    async def list_tickets(operator: Annotated[Operator, Depends(require("tickets_enabled"))]) -> Page:
        return Page(items=[])

    @app.get("/tickets/{ticket_id}", tags=["tickets"])
    async def read_ticket(ticket_id: uuid.UUID) -> TicketOut:
        raise NotImplementedError

    @app.post(
        "/tickets/{number:shaped}/close",
        tags=["tickets"],
        responses={409: problem("It is closed already.")},
    )
    async def close_ticket(number: str) -> TicketOut:
        raise NotImplementedError

    return app


class Shaped(Convertor[str]):
    regex = "[A-Z]+-[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("shaped", Shaped())


def timetracking() -> FastAPI:
    app = create_app(title="timetracking", settings=SETTINGS, readiness_checks={})

    # Two services with a schema of the same name: namespacing keeps both.
    class Page(BaseModel):
        items: list[EntryCreate]

    @app.get("/entries", response_model=Page, tags=["entries"])
    async def list_entries() -> Any:
        return {"items": []}

    # The service's root: published as /api/time itself.
    @app.get("/", tags=["entries"])
    async def summary() -> EntryCreate:
        return EntryCreate(minutes=0)

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
        gateway = create_app(title="Gateway", settings=GatewaySettings(), readiness_checks={})

        @gateway.post("/session", tags=["sign-in"], openapi_extra={"security": []})
        async def sign_in(data: Customer) -> Customer:
            return data

        @gateway.get("/me", tags=["sign-in"])
        async def me() -> Customer:
            raise NotImplementedError

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
    assert "/api/time" in paths
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
        # No catch-all: an answer the document does not list is a broken promise, not a `default`.
        assert "default" not in operation["responses"]
        for code, response in operation["responses"].items():
            if code[0] in "45":
                assert response["content"] == problem_content, code
    create = document["paths"]["/api/tickets/tickets"]["post"]
    assert create["responses"]["422"]["content"] == problem_content
    assert create["tags"] == ["tickets: tickets"]


async def test_each_operation_lists_the_problems_its_declaration_allows(docs: Docs) -> None:
    paths = (await merged(docs))["paths"]

    def codes(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    forwarding = {"502", "503", "504"}
    # A retried creation may meet its first attempt still running: 409.
    assert (
        codes("/api/tickets/tickets", "post")
        == {"201", "400", "401", "403", "409", "413", "422"} | forwarding
    )
    assert codes("/api/tickets/tickets", "get") == {"200", "401", "403"} | forwarding
    assert (
        codes("/api/tickets/tickets/{ticket_id}", "get") == {"200", "401", "403", "404", "422"} | forwarding
    )
    assert (
        codes("/api/tickets/tickets/{number}/close", "post")
        == {"200", "401", "403", "404", "409", "422"} | forwarding
    )
    # The gateway's own: no forwarding failures; a public operation has no credentials to refuse.
    assert codes("/session", "post") == {"200", "400", "413", "422", "503"}
    assert codes("/me", "get") == {"200", "401", "403", "503"}
    # A route's own word on an answer stands; FastAPI's placeholder for a validation failure does not.
    close = paths["/api/tickets/tickets/{number}/close"]["post"]["responses"]
    assert close["409"]["description"] == "It is closed already."
    assert "`errors` names each field" in close["422"]["description"]
    unavailable = paths["/me"]["get"]["responses"]["503"]
    assert "Retry-After" in unavailable["headers"]


async def test_a_path_parameter_with_a_convertor_of_its_own_has_its_shape(docs: Docs) -> None:
    parameters = (await merged(docs))["paths"]["/api/tickets/tickets/{number}/close"]["post"]["parameters"]
    (number,) = parameters
    assert number["schema"]["pattern"] == f"^(?:{Shaped.regex})$"


async def test_the_credentials_are_the_gateways_and_each_operation_names_them(docs: Docs) -> None:
    document = await merged(docs)
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiToken"] == {**schemes["apiToken"], "type": "http", "scheme": "bearer"}
    assert schemes["session"] == {
        **schemes["session"],
        "type": "apiKey",
        "in": "cookie",
        "name": "helpdesk_session",
    }
    assert schemes["csrf"] == {**schemes["csrf"], "type": "apiKey", "in": "header", "name": "X-CSRF-Token"}
    paths = document["paths"]
    read: list[dict[str, list[str]]] = [{"apiToken": []}, {"session": []}]
    write: list[dict[str, list[str]]] = [{"apiToken": []}, {"session": [], "csrf": []}]
    assert paths["/api/tickets/tickets"]["get"]["security"] == read
    assert paths["/api/tickets/tickets"]["post"]["security"] == write
    assert paths["/me"]["get"]["security"] == read
    assert paths["/session"]["post"]["security"] == []
    # The internal token is between the gateway and the services; callers never send it.
    assert "internalToken" not in str(document)


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


async def test_the_docs_pages_and_all_they_load_come_from_the_gateway(docs: Docs) -> None:
    for page in ("/docs", "/redoc"):
        response = await docs.client.get(page)
        assert response.status_code == 200, page
        assert response.headers["content-type"].startswith("text/html")
        references = re.findall(r'(?:src|href|url|spec-url)\s*[=:]\s*["\']([^"\']+)["\']', response.text)
        assert "/openapi.json" in references, page
        assets = [reference for reference in references if reference != "/openapi.json"]
        assert assets, page
        for reference in references:
            # Nothing the browser would fetch from another host, however written.
            assert reference.startswith("/") and not reference.startswith("//"), (page, reference)
        for asset in assets:
            loaded = await docs.client.get(asset)
            assert loaded.status_code == 200, asset
            assert len(loaded.content) > 1000, asset
        assert "https://" not in response.text and "http://" not in response.text, page


async def test_a_problems_instance_is_a_uri_reference_whatever_the_path() -> None:
    async with serving(ticketing()) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.get("/tickets/%C3%A9t%C3%A9%20%0Cx%25")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    instance = response.json()["instance"]
    assert instance == "/tickets/%C3%A9t%C3%A9%20%0Cx%25"
    assert re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", instance), instance
