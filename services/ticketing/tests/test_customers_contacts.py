"""Customers and contacts (seed 10.11, 10.12): tenants, SLAs, prefixes, devices, the cascade."""

from __future__ import annotations

import uuid

from services.ticketing.tests.conftest import Ticketing
from ticketing.tables.projections import devices, tenants

MANAGER = ("tickets_enabled", "tickets_manage_customers")


async def add_tenant_with_devices(
    ticketing_app: Ticketing, name: str, *device_names: str
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    tenant_id = uuid.uuid4()
    device_ids = [uuid.uuid4() for _ in device_names]
    async with ticketing_app.session_factory() as session, session.begin():
        await session.execute(tenants.insert().values(id=tenant_id, name=name))
        for device_id, device_name in zip(device_ids, device_names, strict=True):
            await session.execute(
                devices.insert().values(
                    id=device_id, tenant_id=tenant_id, name=device_name, attributes={"os": "Linux"}
                )
            )
    return tenant_id, device_ids


async def test_a_customer_with_tenant_sla_prefix_departments_and_contacts_reads_in_one_response(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER, "tickets_manage_departments")
    tenant_id, (laptop, printer) = await add_tenant_with_devices(
        ticketing_app, "Acme tenant", "laptop-7", "printer-2"
    )
    sla_id = await ticketing_app.sla_known("Gold")
    customer = await ticketing_app.client.post(
        "/customers",
        json={
            "company_name": "Acme Corp",
            "address": "1 Road Runner Way",
            "tenant_id": str(tenant_id),
            "sla_id": str(sla_id),
            "ticket_number_prefix": "acme",
            "notes": "Pays on time",
        },
        headers=headers,
    )
    assert customer.status_code == 201, customer.text
    acme = customer.json()
    assert (
        acme["ticket_number_prefix"] == "ACME"
        and acme["sla_name"] == "Gold"
        and acme["tenant_name"] == "Acme tenant"
    )

    department = await ticketing_app.client.post(
        "/departments", json={"name": "Acme desk", "customer_id": acme["id"]}, headers=headers
    )
    contact = await ticketing_app.client.post(
        "/contacts",
        json={
            "first_name": "Wile E.",
            "last_name": "Coyote",
            "email": "Wile@Acme.example",
            "customer_id": acme["id"],
            "department_id": department.json()["id"],
            "device_ids": [str(laptop), str(printer)],
        },
        headers=headers,
    )
    assert contact.status_code == 201, contact.text
    assert {d["name"] for d in contact.json()["devices"]} == {"laptop-7", "printer-2"}

    ticket = await ticketing_app.client.post(
        "/",
        json={"title": "Anvil", "contact_email": "wile@acme.example"},
        headers=ticketing_app.as_operator(*MANAGER, "tickets_create", "tickets_view_all_departments"),
    )
    assert ticket.status_code == 201, ticket.text
    all_departments = ticketing_app.as_operator(*MANAGER, "tickets_view_all_departments")
    detail = (await ticketing_app.client.get(f"/customers/{acme['id']}", headers=all_departments)).json()
    assert [t["number"] for t in detail["tickets"]] == ["ACME-000001"]
    own_only = (await ticketing_app.client.get(f"/customers/{acme['id']}", headers=headers)).json()
    assert own_only["tickets"] == [], "tickets outside the operator's departments stay hidden here too"
    assert detail["contacts_count"] == 1
    assert [d["name"] for d in detail["departments"]] == ["Acme desk"]
    assert [c["email"] for c in detail["contacts"]] == ["Wile@acme.example"]  # the domain is normalised
    assert len(detail["contacts"][0]["devices"]) == 2


async def test_devices_can_only_be_linked_from_the_companys_tenant(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)
    tenant_id, _ = await add_tenant_with_devices(ticketing_app, "Acme tenant", "laptop-7")
    _, (foreign,) = await add_tenant_with_devices(ticketing_app, "Other tenant", "server-1")
    acme = (
        await ticketing_app.client.post(
            "/customers", json={"company_name": "Acme", "tenant_id": str(tenant_id)}, headers=headers
        )
    ).json()
    no_tenant = (
        await ticketing_app.client.post("/customers", json={"company_name": "Loose"}, headers=headers)
    ).json()

    for body in (
        {"email": "a@example.com", "customer_id": acme["id"], "device_ids": [str(foreign)]},
        {"email": "b@example.com", "customer_id": no_tenant["id"], "device_ids": [str(foreign)]},
        {"email": "c@example.com", "device_ids": [str(foreign)]},
        {"email": "d@example.com", "customer_id": acme["id"], "device_ids": [str(uuid.uuid4())]},
    ):
        response = await ticketing_app.client.post("/contacts", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == "device_ids"
    first = (
        await ticketing_app.client.post(
            "/contacts",
            json={"email": "a@example.com", "customer_id": acme["id"], "device_ids": [str(foreign)]},
            headers=headers,
        )
    ).json()
    assert "not in the tenant linked to Acme" in first["detail"]
    assert (await ticketing_app.client.get("/contacts", headers=headers)).json() == []


async def test_contact_emails_are_unique_whatever_their_case_and_search_covers_name_email_company(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)
    acme = (
        await ticketing_app.client.post("/customers", json={"company_name": "Acme Corp"}, headers=headers)
    ).json()
    for first, last, email, customer in (
        ("Wile E.", "Coyote", "wile@acme.example", acme["id"]),
        ("Road", "Runner", "beep@desert.example", None),
        ("Marvin", "Martian", "marvin@mars.example", None),
    ):
        body = {"first_name": first, "last_name": last, "email": email, "customer_id": customer}
        assert (await ticketing_app.client.post("/contacts", json=body, headers=headers)).status_code == 201
    duplicate = await ticketing_app.client.post(
        "/contacts", json={"email": "WILE@ACME.EXAMPLE"}, headers=headers
    )
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "email"

    # New Ticket's Contact autocomplete (seed 10.6).
    reader = ticketing_app.as_operator("tickets_enabled", "tickets_create")

    async def found(text: str) -> list[str]:
        response = await ticketing_app.client.get("/contacts", params={"search": text}, headers=reader)
        return [c["email"] for c in response.json()]

    assert await found("coyote") == ["wile@acme.example"]
    assert await found("road run") == ["beep@desert.example"]
    assert await found("ACME corp") == ["wile@acme.example"]
    assert await found("mars.example") == ["marvin@mars.example"]
    assert await found("%") == []
    invalid = await ticketing_app.client.post("/contacts", json={"email": "not-an-address"}, headers=headers)
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "email"


async def test_deleting_a_customer_cascades_as_the_spec_warns_and_nothing_else_disappears(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER, "tickets_manage_departments")
    tenant_id, (laptop,) = await add_tenant_with_devices(ticketing_app, "Acme tenant", "laptop-7")
    acme = (
        await ticketing_app.client.post(
            "/customers", json={"company_name": "Acme", "tenant_id": str(tenant_id)}, headers=headers
        )
    ).json()
    other = (
        await ticketing_app.client.post("/customers", json={"company_name": "Globex"}, headers=headers)
    ).json()
    acme_desk = (
        await ticketing_app.client.post(
            "/departments", json={"name": "Acme desk", "customer_id": acme["id"]}, headers=headers
        )
    ).json()
    await ticketing_app.client.post("/departments", json={"name": "Shared desk"}, headers=headers)
    await ticketing_app.client.post(
        "/contacts",
        json={"email": "wile@acme.example", "customer_id": acme["id"], "device_ids": [str(laptop)]},
        headers=headers,
    )
    await ticketing_app.client.post(
        "/contacts", json={"email": "hank@globex.example", "customer_id": other["id"]}, headers=headers
    )
    await ticketing_app.client.post("/contacts", json={"email": "solo@example.com"}, headers=headers)

    removed = await ticketing_app.client.delete(f"/customers/{acme['id']}", headers=headers)
    assert removed.status_code == 200
    assert removed.json()["department_ids"] == [acme_desk["id"]]
    assert len(removed.json()["contact_ids"]) == 1 and removed.json()["device_links_removed"] == 1

    assert [
        c["company_name"] for c in (await ticketing_app.client.get("/customers", headers=headers)).json()
    ] == ["Globex"]
    assert [d["name"] for d in (await ticketing_app.client.get("/departments", headers=headers)).json()] == [
        "Shared desk"
    ]
    emails = sorted(c["email"] for c in (await ticketing_app.client.get("/contacts", headers=headers)).json())
    assert emails == ["hank@globex.example", "solo@example.com"]
    assert len(await ticketing_app.sql("SELECT 1 FROM ticketing.devices")) == 1, "the device itself stays"
    events = [
        r["event_type"]
        for r in await ticketing_app.sql("SELECT event_type FROM ticketing.outbox ORDER BY id")
    ]
    assert events[-2:] == ["department_removed", "customer_removed"]


async def test_customer_input_errors_name_the_field(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)
    await ticketing_app.client.post("/customers", json={"company_name": "Acme"}, headers=headers)
    for body, field in (
        ({"company_name": "ACME"}, "company_name"),
        ({"company_name": "B", "tenant_id": str(uuid.uuid4())}, "tenant_id"),
        ({"company_name": "C", "sla_id": str(uuid.uuid4())}, "sla_id"),
        ({"company_name": "D", "ticket_number_prefix": "A-1"}, "ticket_number_prefix"),
        ({"company_name": ""}, "company_name"),
    ):
        response = await ticketing_app.client.post("/customers", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, response.json()
    refused = await ticketing_app.client.get(
        "/customers", headers=ticketing_app.as_operator("tickets_enabled")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_manage_customers"
