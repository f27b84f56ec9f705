"""Through the real gateway to the real ticketing service: each permission flag of seed 10.18 that has
an endpoint allows the operator who holds it and refuses, naming it, the one who does not."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx

from tests.backbone.harness import eventually
from tests.journeys.stack import PASSWORD, RunningStack

MODULE = "tickets_enabled"


async def operator_with(stack: RunningStack, admin: httpx.AsyncClient, *flags: str) -> httpx.AsyncClient:
    username = f"op{uuid.uuid4().hex[:8]}"
    created = await admin.post(
        "/api/operators",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "display_name": username,
            "password": PASSWORD,
            "flags": list(flags),
        },
    )
    assert created.status_code == 201, created.text
    return await stack.bearer(username)


async def test_the_module_switch_and_tickets_enabled_gate_ticket_endpoints_through_the_gateway(
    stack: RunningStack,
) -> None:
    admin = await stack.admin()
    assert (await admin.get("/api/tickets/labels")).json()["reason"] == "module_disabled"
    settings = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert settings.status_code == 200, settings.text

    async def enabled() -> bool:
        return (await admin.get("/api/tickets/labels")).status_code == 200

    await eventually(enabled, within=5, what="the switch to take effect")
    without_module_flag = await operator_with(stack, admin, "tickets_manage_labels_types")
    refused = await without_module_flag.get("/api/tickets/labels")
    assert refused.status_code == 403 and refused.json()["flag"] == MODULE
    async with stack.client() as anonymous:
        assert (await anonymous.get("/api/tickets/labels")).status_code == 401, "no credentials, no entry"


async def test_every_ticket_flag_with_an_endpoint_allows_its_holder_and_refuses_others(
    stack: RunningStack,
) -> None:
    admin = await stack.admin()
    await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    seeded = (await admin.post("/api/tickets", json={"title": "Seed ticket"})).json()["number"]

    def post(path: str, body: dict[str, object]) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
        return lambda client: client.post(path, json=body)

    checks: dict[str, Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]] = {
        "tickets_create": post("/api/tickets", {"title": "Flag check"}),
        "tickets_edit": lambda client: client.patch(f"/api/tickets/{seeded}", json={"priority": "high"}),
        "tickets_assign": lambda client: client.patch(f"/api/tickets/{seeded}", json={"assignee_id": None}),
        "tickets_delete": post("/api/tickets/bulk-delete", {"numbers": ["TKT-999999"]}),
        "tickets_manage_departments": post("/api/tickets/departments", {"name": f"D{uuid.uuid4().hex[:6]}"}),
        "tickets_manage_templates": post(
            "/api/tickets/templates",
            {"name": "T", "type": "email", "subject": "s", "body": "b", "body_format": "plain_text"},
        ),
        "tickets_manage_labels_types": post(
            "/api/tickets/labels", {"name": f"L{uuid.uuid4().hex[:6]}", "color": "#abcdef"}
        ),
        "tickets_manage_customers": post(
            "/api/tickets/customers", {"company_name": f"C{uuid.uuid4().hex[:6]}"}
        ),
        "settings_system_enabled": lambda client: client.get("/api/tickets/settings"),
        "operators_manage": lambda client: client.get("/api/operators"),
    }
    view_all = "tickets_view_all_departments"
    for flag, call in checks.items():
        base = () if flag in ("settings_system_enabled", "operators_manage") else (MODULE, view_all)
        holder = await operator_with(stack, admin, *base, flag)
        allowed = await call(holder)
        assert allowed.status_code < 400, (flag, allowed.status_code, allowed.text)
        stranger = await operator_with(stack, admin, *base)
        refused = await call(stranger)
        assert refused.status_code == 403, (flag, refused.text)
        assert refused.json()["flag"] == flag


async def test_department_membership_travels_the_bus_into_the_token_and_scopes_visibility(
    stack: RunningStack,
) -> None:
    admin = await stack.admin()
    await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    agent_name = f"agent{uuid.uuid4().hex[:6]}"
    agent_id = (
        await admin.post(
            "/api/operators",
            json={
                "username": agent_name,
                "email": f"{agent_name}@example.com",
                "display_name": "Agent",
                "password": PASSWORD,
                "flags": [MODULE],
            },
        )
    ).json()["id"]

    async def department_with_agent() -> bool:
        # The operator reaches ticketing as operator_upserted over the bus.
        response = await admin.post(
            "/api/tickets/departments", json={"name": "Desk", "member_ids": [agent_id]}
        )
        return response.status_code == 201

    await eventually(department_with_agent, within=60, what="the operator to reach ticketing")
    desk = (await admin.get("/api/tickets/departments")).json()[0]
    lab = (await admin.post("/api/tickets/departments", json={"name": "Lab"})).json()
    in_desk = (await admin.post("/api/tickets", json={"title": "Mine", "department_id": desk["id"]})).json()[
        "number"
    ]
    in_lab = (
        await admin.post("/api/tickets", json={"title": "Not mine", "department_id": lab["id"]})
    ).json()["number"]

    agent = await stack.bearer(agent_name)

    async def sees_own_department() -> bool:
        # The membership reaches the gateway as department_changed, then the token's claim.
        return (await agent.get(f"/api/tickets/{in_desk}")).status_code == 200

    await eventually(sees_own_department, within=60, what="the membership to reach the gateway")
    assert (await agent.get(f"/api/tickets/{in_lab}")).status_code == 404
    queue = (await agent.get("/api/tickets", params={"tab": "all"})).json()
    assert [row["number"] for row in queue["rows"]] == [in_desk]
