"""Incidents from alerts through the real gateway and itsm processes (`helpdesk run itsm`: api, relay,
consumers and jobs): an administrator signed in with the session cookie makes an alert source, whose
key a monitoring system then sends with nothing else, neither cookie nor token, since the gateway
forwards `POST /api/itsm/alerts` alone unauthenticated (the service checks the key); the alert reaches
an incident through the outbox, the relay and the correlator, a second trigger with its dedup key
attaches and a resolve resolves it. Every other itsm operation still needs a signed-in caller, an
internal token a caller makes up never reaches the service, and an alert published on the bus, as
monitoring systems inside the network send them, opens an incident too."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER, Operator, mint_internal_token
from helpdesk_common.contracts.alerts import Alert, AlertData
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import PASSWORD, RunningStack, start_stack

# The one request the gateway lets through without a signed-in caller.
INTAKE = ("post", "/api/itsm/alerts")


@pytest.fixture
async def itsm_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(servers, database, tmp_path, upstreams=("itsm",))
    try:
        yield running
    finally:
        running.stop()


async def _signed_in(stack: RunningStack, username: str) -> httpx.AsyncClient:
    """A browser's session: the cookie sign-in sets, and the CSRF token its writes carry."""
    client = stack.client()
    login = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return client


async def _administrator(stack: RunningStack) -> httpx.AsyncClient:
    async with await stack.admin() as bearer:
        me = await bearer.get("/api/auth/me")
        assert me.status_code == 200, me.text
    return await _signed_in(stack, me.json()["username"])


async def _incidents(client: httpx.AsyncClient, source: str) -> list[dict[str, Any]]:
    listed = await client.get("/api/itsm/incidents", params={"source": source, "limit": 200})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def _until_incident(
    client: httpx.AsyncClient, source: str, what: str, **expected: Any
) -> dict[str, Any]:
    """The source's one incident once it has the expected values (polled: it comes through the bus)."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await _incidents(client, source)
        return len(found) == 1 and all(found[0].get(name) == value for name, value in expected.items())

    await eventually(arrived, within=60, what=what)
    return found[0]


def _trigger(dedup_key: str, host: str, **data: Any) -> dict[str, Any]:
    return {
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {
            "summary": f"Disk /var almost full on {host}",
            "source": host,
            "severity": "critical",
            "rule": "disk_space",
            "component": "postgres",
            "custom_details": {"free_percent": 3},
        },
        **data,
    }


async def test_a_monitoring_system_opens_attaches_to_and_resolves_an_incident_with_its_key_alone(
    itsm_stack: RunningStack, servers: TestServers
) -> None:
    stack = itsm_stack
    admin = await _administrator(stack)
    source_name = f"zabbix-{secrets.token_hex(3)}"
    created = await admin.post(
        "/api/itsm/alert-sources", json={"name": source_name, "description": "Zabbix in the data centre"}
    )
    assert created.status_code == 201, created.text
    key = created.json()["new_key"]["key"]
    assert key.startswith("hdk_") and created.json()["new_key"]["hint"] == key[-4:]
    # Shown once: the source's later reads carry the hint alone.
    listed = await admin.get("/api/itsm/alert-sources")
    assert listed.status_code == 200, listed.text
    assert key not in listed.text
    (source,) = [each for each in listed.json() if each["name"] == source_name]
    assert len(source["keys"]) == 1 and "key" not in source["keys"][0]

    async with stack.client() as monitoring:
        assert not monitoring.cookies and "authorization" not in monitoring.headers
        first = await monitoring.post(
            "/api/itsm/alerts", json={"routing_key": key, **_trigger("db-01/disk", "db-01")}
        )
        assert first.status_code == 202, first.text
        assert first.json() == {"status": "success", "message": "Event accepted", "dedup_key": "db-01/disk"}

        incident = await _until_incident(
            admin, source_name, "the alert to open an incident", alert_count=1, status="open"
        )
        assert incident["title"] == "Disk /var almost full on db-01"
        assert [incident[name] for name in ("source", "host", "rule")] == [source_name, "db-01", "disk_space"]

        again = await monitoring.post(
            "/api/itsm/alerts", json={"routing_key": key, **_trigger("db-01/disk", "db-01")}
        )
        assert again.status_code == 202, again.text
        attached = await _until_incident(
            admin, source_name, "the second trigger to attach", alert_count=2, status="open"
        )
        assert attached["id"] == incident["id"]
        assert attached["last_seen_at"] >= incident["last_seen_at"]

        resolved = await monitoring.post(
            "/api/itsm/alerts",
            json={"routing_key": key, "event_action": "resolve", "dedup_key": "db-01/disk"},
        )
        assert resolved.status_code == 202, resolved.text
        done = await _until_incident(admin, source_name, "the resolve alert to resolve it", status="resolved")
        assert done["id"] == incident["id"] and done["resolved_at"] is not None

        # Refused before anything is stored: a key no source holds, and an alert that is not valid.
        unknown = await monitoring.post(
            "/api/itsm/alerts", json={"routing_key": "hdk_" + "x" * 43, **_trigger("k", "db-02")}
        )
        assert unknown.status_code == 401, unknown.text
        assert "routing_key" in unknown.json()["detail"]
        invalid = _trigger("k", "db-02")
        invalid["payload"]["severity"] = "apocalyptic"
        refused = await monitoring.post("/api/itsm/alerts", json={"routing_key": key, **invalid})
        assert refused.status_code == 422, refused.text
        assert any("severity" in str(error) for error in refused.json()["errors"])
        # Python's JSON reads an integer of any size; the envelope could not carry one past 64 bits.
        huge = _trigger("k", "db-02")
        huge["payload"]["custom_details"] = {"bytes_free": 2**70}
        too_big = await monitoring.post("/api/itsm/alerts", json={"routing_key": key, **huge})
        assert too_big.status_code == 422, too_big.text

    timeline = await admin.get(f"/api/itsm/incidents/{incident['id']}/timeline")
    assert timeline.status_code == 200, timeline.text
    kinds = [entry["kind"] for entry in timeline.json()]
    assert kinds.count("alert") >= 2 and "status" in kinds, kinds
    assert {entry["actor"] for entry in timeline.json() if entry["kind"] == "alert"} == {source_name}
    assert len(await _incidents(admin, source_name)) == 1

    # A monitoring system inside the network publishes on the bus itself, with no key: the same
    # correlator, in the running consumers role, opens the incident.
    source = f"prometheus-{secrets.token_hex(3)}"
    alert = Alert.from_source(
        source,
        AlertData.model_validate(
            {
                "event_action": "trigger",
                "dedup_key": "api/latency",
                "payload": {
                    "summary": "p99 latency over 2 s",
                    "source": "api-03",
                    "severity": "warning",
                    "rule": "latency_p99",
                },
            }
        ),
    )
    client = await nats.connect(servers.nats_url)
    try:
        await client.jetstream().publish(
            alert.bus_subject(), alert.to_json(), headers={"Nats-Msg-Id": str(alert.id)}
        )
    finally:
        await client.close()
    incident = await _until_incident(admin, source, "the bus alert to open an incident", alert_count=1)
    assert (incident["host"], incident["rule"], incident["status"]) == ("api-03", "latency_p99", "open")
    assert incident["title"] == "p99 latency over 2 s"
    await admin.aclose()


async def test_incidents_need_the_flag_every_other_operation_a_caller_and_no_made_up_token_passes(
    itsm_stack: RunningStack,
) -> None:
    stack = itsm_stack
    admin = await _administrator(stack)
    made = await admin.post("/api/itsm/incidents", json={"title": "Printer on fire", "severity": "error"})
    assert made.status_code == 201, made.text
    incident_id = made.json()["id"]

    # An operator of the ticket desk only.
    role = await admin.post("/api/roles", json={"name": "Ticket desk", "flags": ["tickets_enabled"]})
    assert role.status_code == 201, role.text
    username = f"desk{secrets.token_hex(2)}"
    operator = await admin.post(
        "/api/operators",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "display_name": "Desk",
            "password": PASSWORD,
            "role_ids": [role.json()["id"]],
        },
    )
    assert operator.status_code == 201, operator.text
    desk = await _signed_in(stack, username)
    for path in ("/api/itsm/incidents", f"/api/itsm/incidents/{incident_id}"):
        refused = await desk.get(path)
        assert refused.status_code == 403, refused.text
        assert set(refused.json()["any_of"]) == {"incidents.view", "incidents.manage"}
    await desk.aclose()

    # Every itsm operation the API describes but the intake answers 401 to a caller who did not sign in,
    # before the service hears of it.
    document = await admin.get("/openapi.json")
    assert document.status_code == 200, document.text
    operations = [
        (method, path)
        for path, item in document.json()["paths"].items()
        if path == "/api/itsm" or path.startswith("/api/itsm/")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert INTAKE in operations and len(operations) > 20, operations
    async with stack.client() as anonymous:
        for method, path in operations:
            if (method, path) == INTAKE:
                continue
            concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            answer = await anonymous.request(method.upper(), concrete, json={})
            assert answer.status_code == 401, f"{method.upper()} {path}: {answer.status_code} {answer.text}"
        # The intake's neighbours are no exception either.
        for method, path in (("GET", "/api/itsm/alerts"), ("POST", "/api/itsm/alerts/x")):
            answer = await anonymous.request(method, path, json={})
            assert answer.status_code == 401, f"{method} {path}: {answer.status_code} {answer.text}"

    # An internal token the caller makes up, even one signed with the gateway's own key (as if it had
    # leaked), which the service would take for an administrator's: the gateway drops it on the intake
    # and authenticates the caller everywhere else.
    gateway_env = stack.environments["gateway"]
    forged = mint_internal_token(
        Operator(
            id=uuid.uuid4(),
            username="mallory",
            flags=frozenset({"incidents.view", "incidents.manage", "itsm.settings.manage"}),
        ),
        private_key_pem=gateway_env["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"],
    )
    async with httpx.AsyncClient(base_url=gateway_env["HELPDESK_UPSTREAM_ITSM"], timeout=15) as direct:
        taken = await direct.get("/alert-sources", headers={INTERNAL_TOKEN_HEADER: forged})
        assert taken.status_code == 200, "sent to the service itself, the token is an administrator's"
    async with stack.client(**{INTERNAL_TOKEN_HEADER: forged}) as mallory:
        intake = await mallory.post(
            "/api/itsm/alerts", json={"routing_key": "hdk_guess", **_trigger("k", "web-01")}
        )
        # The service's own refusal of the key: it saw no operator to take instead.
        assert intake.status_code == 401, intake.text
        assert "routing_key" in intake.json()["detail"]
        for method, path in (("GET", "/api/itsm/alert-sources"), ("POST", "/api/itsm/incidents")):
            answer = await mallory.request(method, path, json={"title": "Forged"})
            assert answer.status_code == 401, f"{method} {path}: {answer.status_code} {answer.text}"
    listed = await admin.get("/api/itsm/incidents")
    assert listed.status_code == 200, listed.text
    assert [each["title"] for each in listed.json()["items"]] == ["Printer on fire"]
    await admin.aclose()
