"""Enrichment at creation (seed "Incident Fields"): category from the alert's class or source, urgency
from severity, impact from severity raised by host count and criticality, priority from the ITIL
matrix administrators can change, the SLA from the host group, else the organisation, else the
account default, the escalation policy from the organisation, else the account; each with its origin.
Hosts, groups and organisations arrive through the inventory contract."""

from __future__ import annotations

import uuid
from typing import Any

from helpdesk_common.contracts.inventory import (
    InventoryDevice,
    InventoryDeviceData,
    InventoryDeviceUpserted,
    InventoryHostGroup,
    InventoryHostGroupData,
    InventoryHostGroupUpserted,
    InventoryTenant,
    InventoryTenantData,
    InventoryTenantUpserted,
)
from itsm.inventory.consumers import inventory_consumer

Desk = Any
ADMIN = "itsm.settings.manage"


async def announce(desk: Desk, event: Any) -> None:
    await desk.apply(inventory_consumer.handlers.single[type(event)], event)


async def inventory(desk: Desk) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("acme", "databases", "db-01", "app-01")}
    await announce(
        desk,
        InventoryTenantUpserted.build(
            source="rmm",
            subject="t",
            data=InventoryTenantData(tenant=InventoryTenant(id=ids["acme"], name="Acme")),
        ),
    )
    group = InventoryHostGroup(
        id=ids["databases"], tenant_id=ids["acme"], name="Databases", criticality="medium"
    )
    await announce(
        desk,
        InventoryHostGroupUpserted.build(
            source="rmm", subject="g", data=InventoryHostGroupData(host_group=group)
        ),
    )
    devices = [
        InventoryDevice(
            id=ids["db-01"],
            tenant_id=ids["acme"],
            name="DB 01",
            attributes={"hostname": "DB-01.acme.local"},
            host_group_id=ids["databases"],
            criticality="critical",
        ),
        InventoryDevice(id=ids["app-01"], tenant_id=ids["acme"], name="app-01"),
    ]
    for device in devices:
        await announce(
            desk,
            InventoryDeviceUpserted.build(source="rmm", subject="d", data=InventoryDeviceData(device=device)),
        )
    return ids


async def test_the_sla_and_policy_come_from_group_organisation_or_account_each_with_its_origin(
    desk: Desk,
) -> None:
    ids = await inventory(desk)
    admin = await desk.person("root", ADMIN)
    group_sla, org_sla, account_sla = (
        await desk.sla("Databases"),
        await desk.sla("Acme"),
        await desk.sla("Default"),
    )
    org_policy, account_policy = uuid.uuid4(), uuid.uuid4()

    saved = await desk.client.put(
        f"/host-groups/{ids['databases']}", json={"sla_id": str(group_sla)}, headers=admin.headers
    )
    assert saved.status_code == 200 and saved.json()["sla_id"] == str(group_sla)
    organisation = await desk.client.put(
        f"/organisations/{ids['acme']}",
        json={"default_sla_id": str(org_sla), "default_escalation_policy_id": str(org_policy)},
        headers=admin.headers,
    )
    assert organisation.status_code == 200, organisation.text
    settings = (await desk.client.get("/settings", headers=admin.headers)).json()
    settings.pop("updated_at")
    settings.update(default_sla_id=str(account_sla), default_escalation_policy_id=str(account_policy))
    assert (await desk.client.put("/settings", json=settings, headers=admin.headers)).status_code == 200

    await desk.correlate(
        desk.trigger("db-01.ACME.local", "replication_lag", severity="warning", **{"class": "database"}),
        desk.trigger("app-01", "http_5xx", severity="error"),
        desk.trigger("unknown-host", "ping_lost", severity="info"),
    )
    by_host = {incident["host"]: incident for incident in await desk.incidents()}

    db = by_host["db-01.ACME.local"]
    assert (db["tenant_id"], db["host_group_id"]) == (str(ids["acme"]), str(ids["databases"]))
    assert db["sla_id"] == str(group_sla) and db["enrichment"]["sla_id"]["origin"] == "host group SLA"
    assert db["escalation_policy_id"] == str(org_policy)
    assert db["enrichment"]["escalation_policy_id"]["origin"] == "organisation default policy"
    # warning: impact low, raised by the host's criticality; urgency medium -> P3.
    assert (db["impact"], db["urgency"], db["priority"]) == ("medium", "medium", "P3")
    assert db["enrichment"]["impact"]["origin"] == "severity warning; raised: host criticality critical"
    assert db["enrichment"]["category"] == {"value": "database", "origin": "alert class (metric type)"}

    app = by_host["app-01"]
    assert (
        app["sla_id"] == str(org_sla) and app["enrichment"]["sla_id"]["origin"] == "organisation default SLA"
    )
    unknown = by_host["unknown-host"]
    assert unknown["tenant_id"] is None and unknown["sla_id"] == str(account_sla)
    assert unknown["enrichment"]["sla_id"]["origin"] == "account default SLA"
    assert unknown["escalation_policy_id"] == str(account_policy)
    assert unknown["enrichment"]["escalation_policy_id"]["origin"] == "account default policy"

    missing = await desk.client.put(
        f"/host-groups/{uuid.uuid4()}", json={"sla_id": None}, headers=admin.headers
    )
    assert missing.status_code == 404
    no_sla = await desk.client.put(
        f"/host-groups/{ids['databases']}", json={"sla_id": str(uuid.uuid4())}, headers=admin.headers
    )
    assert no_sla.status_code == 422 and no_sla.json()["errors"][0]["field"] == "sla_id"


async def test_administrators_change_the_matrix_and_new_incidents_follow_it(desk: Desk) -> None:
    admin = await desk.person("root", ADMIN)
    settings = (await desk.client.get("/settings", headers=admin.headers)).json()
    settings.pop("updated_at")
    assert settings["priority_matrix"]["high"]["high"] == "P1"
    settings["priority_matrix"]["high"]["high"] = "P2"
    assert (await desk.client.put("/settings", json=settings, headers=admin.headers)).status_code == 200
    await desk.correlate(desk.trigger("web-01", severity="critical"))
    (incident,) = await desk.incidents()
    assert incident["priority"] == "P2"

    del settings["priority_matrix"]["low"]["low"]
    incomplete = await desk.client.put("/settings", json=settings, headers=admin.headers)
    assert incomplete.status_code == 422 and incomplete.json()["errors"][0]["field"] == "priority_matrix"
    manager = await desk.person("ada", "incidents.manage")
    assert (await desk.client.put("/settings", json=settings, headers=manager.headers)).status_code == 403


async def test_an_sla_removed_since_it_was_set_is_given_to_no_new_incident(desk: Desk) -> None:
    ids = await inventory(desk)
    admin = await desk.person("root", ADMIN)
    group_sla = await desk.sla("Databases")
    await desk.client.put(
        f"/host-groups/{ids['databases']}", json={"sla_id": str(group_sla)}, headers=admin.headers
    )
    await desk.sql("UPDATE sla_definitions SET removed = true WHERE id = :id", id=group_sla)
    await desk.correlate(desk.trigger("db-01.acme.local", "replication_lag"))
    (incident,) = await desk.incidents()
    assert incident["sla_id"] is None and "sla_id" not in incident["enrichment"]


async def test_the_sla_definitions_are_listed_by_name_a_removed_one_marked_to_itsm_readers(
    desk: Desk,
) -> None:
    gold, bronze = await desk.sla("Gold"), await desk.sla("Bronze")
    await desk.sql("UPDATE sla_definitions SET removed = true WHERE id = :id", id=bronze)
    viewer = await desk.person("vera", "incidents.view")
    listed = await desk.client.get("/sla-definitions", headers=viewer.headers)
    assert listed.status_code == 200, listed.text
    assert [(each["id"], each["name"], each["removed"]) for each in listed.json()] == [
        (str(bronze), "Bronze", True),
        (str(gold), "Gold", False),
    ]
    nobody = await desk.person("nemo")
    assert (await desk.client.get("/sla-definitions", headers=nobody.headers)).status_code == 403
