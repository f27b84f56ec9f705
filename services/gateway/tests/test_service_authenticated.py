"""The one request the gateway forwards without an operator (`SERVICE_AUTHENTICATED`: an alert with its
source's integration key in the body, POST /api/itsm/alerts) over real HTTP on loopback: it reaches the
service without being authenticated and without an internal token, whatever the caller sends; every
other method and path of that service, and the same path of another, still needs a signed-in caller.
The API description says the same: no credentials of the gateway's for that operation alone."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp

from gateway.config import SERVICE_AUTHENTICATED
from gateway.identity.principal import Principal
from gateway.openapi import merge, public_authentication
from gateway.proxy import GatewayProxy, install
from helpdesk_common.auth import (
    INTERNAL_TOKEN_HEADER,
    Operator,
    current_operator,
    generate_key_pair,
    mint_internal_token,
)
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.errors import Unauthenticated
from helpdesk_common.http.app import create_app
from helpdesk_common.http.openapi import problem
from helpdesk_common.service import served
from helpdesk_common.testing.http import serving

PRIVATE_KEY, _ = generate_key_pair()
ALERT = {"routing_key": "hdk_x", "event_action": "trigger", "payload": {"summary": "down"}}


@dataclass
class Seen:
    """What reached the service (method, path, headers), and how often the gateway authenticated."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    authentications: int = 0


def service_app(seen: Seen) -> ASGIApp:
    """Answers anything, checking nothing, so that what the gateway let through is what arrives."""
    app = create_app(title="itsm", settings=HelpdeskSettings(), readiness_checks={})

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def anything(request: Request) -> JSONResponse:
        request_seen = {
            "method": request.method,
            "path": request.url.path,
            "headers": {name.lower(): value for name, value in request.headers.items()},
            "body": (await request.body()).decode(),
        }
        seen.requests.append(request_seen)
        return JSONResponse(request_seen, status_code=202)

    return served(app)


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[tuple[httpx.AsyncClient, Seen]]:
    seen = Seen()

    # Stands in for the identity module: `x-test-operator` names the caller; none is a 401.
    async def authenticate(request: Request) -> Principal:
        seen.authentications += 1
        username = request.headers.get("x-test-operator")
        if not username:
            raise Unauthenticated("Sign in first.")
        operator = Operator(id=uuid.uuid5(uuid.NAMESPACE_DNS, username), username=username, flags=frozenset())
        return Principal(operator=operator, method="api_token")

    async with contextlib.AsyncExitStack() as stack:
        service_url = await stack.enter_async_context(serving(service_app(seen)))
        proxy = GatewayProxy(
            authenticate,
            upstreams={"itsm": service_url, "ticketing": service_url},
            private_key_pem=PRIVATE_KEY,
            token_ttl_seconds=60,
        )
        stack.push_async_callback(proxy.close)
        gateway = create_app(title="gateway", settings=HelpdeskSettings(), readiness_checks={})
        install(gateway, proxy)
        gateway_url = await stack.enter_async_context(serving(served(gateway)))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        yield client, seen


def test_the_alert_intake_is_the_only_request_a_service_authenticates_itself() -> None:
    assert SERVICE_AUTHENTICATED == frozenset({("POST", "itsm", "/alerts")})


async def test_an_alert_is_forwarded_without_authentication_and_without_an_internal_token(
    world: tuple[httpx.AsyncClient, Seen],
) -> None:
    gateway, seen = world
    before = seen.authentications
    response = await gateway.post("/api/itsm/alerts", json=ALERT)
    assert response.status_code == 202, response.text
    arrived = response.json()
    assert (arrived["method"], arrived["path"]) == ("POST", "/alerts")
    assert INTERNAL_TOKEN_HEADER.lower() not in arrived["headers"]
    assert '"routing_key":"hdk_x"' in arrived["body"]
    assert seen.authentications == before, "the gateway asked for no credentials"


async def test_an_alert_carries_no_token_even_from_a_signed_in_caller_or_a_spoofed_one(
    world: tuple[httpx.AsyncClient, Seen],
) -> None:
    gateway, seen = world
    mallory = Operator(id=uuid.uuid4(), username="mallory", flags=frozenset({"incidents.manage"}))
    spoofed = mint_internal_token(mallory, private_key_pem=PRIVATE_KEY)
    before = seen.authentications
    response = await gateway.post(
        "/api/itsm/alerts",
        json=ALERT,
        headers={
            "x-test-operator": "ada",
            INTERNAL_TOKEN_HEADER: spoofed,
            "authorization": "Bearer hd_personal",
            "cookie": "helpdesk_session=secret",
        },
    )
    assert response.status_code == 202, response.text
    headers = response.json()["headers"]
    assert INTERNAL_TOKEN_HEADER.lower() not in headers, "neither the caller's token nor one of the gateway's"
    assert not {"authorization", "cookie"} & headers.keys()
    assert seen.authentications == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/itsm/alerts"),
        ("PUT", "/api/itsm/alerts"),
        ("DELETE", "/api/itsm/alerts"),
        ("POST", "/api/itsm/alerts/x"),
        ("POST", "/api/itsm/alerts/"),
        ("POST", "/api/itsm/alerts-x"),
        ("POST", "/api/itsm/incidents"),
        ("POST", "/api/itsm"),
        ("POST", "/api/tickets/alerts"),
    ],
)
async def test_every_other_request_still_needs_a_signed_in_caller(
    world: tuple[httpx.AsyncClient, Seen], method: str, path: str
) -> None:
    gateway, seen = world
    before = len(seen.requests)
    response = await gateway.request(method, path, json=ALERT)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert len(seen.requests) == before, "nothing reached the service"


async def test_a_signed_in_caller_elsewhere_on_the_service_gets_the_internal_token(
    world: tuple[httpx.AsyncClient, Seen],
) -> None:
    gateway, _ = world
    response = await gateway.get("/api/itsm/alerts", headers={"x-test-operator": "ada"})
    assert response.status_code == 202, response.text
    assert INTERNAL_TOKEN_HEADER.lower() in response.json()["headers"]


def test_the_api_description_asks_the_intake_for_no_credentials_of_the_gateways() -> None:
    itsm = create_app(title="itsm", settings=HelpdeskSettings(), readiness_checks={})

    @itsm.post(
        "/alerts", status_code=202, openapi_extra={"security": []}, responses={401: problem("Unknown key.")}
    )
    async def receive_alert() -> None:
        return None

    @itsm.get("/alerts")
    async def list_alerts(operator: Annotated[Operator, Depends(current_operator)]) -> None:
        return None

    gateway = create_app(title="gateway", settings=HelpdeskSettings(), readiness_checks={})
    document = merge(
        gateway.openapi(), {"itsm": itsm.openapi()}, {}, public_authentication("helpdesk_session")
    )
    intake = document["paths"]["/api/itsm/alerts"]["post"]
    assert intake["security"] == []
    # The service's refusal of a key stays; the gateway refuses nothing here, and no flag is asked.
    assert intake["responses"]["401"]["description"] == "Unknown key."
    assert {"502", "503", "504"} <= intake["responses"].keys() and "403" not in intake["responses"]
    listed = document["paths"]["/api/itsm/alerts"]["get"]
    assert listed["security"] == [{"apiToken": []}, {"session": []}]
    assert {"401", "403"} <= listed["responses"].keys()
