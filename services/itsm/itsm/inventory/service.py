"""The inventory as ITSM keeps it, and what enrichment reads of it: the host an alert names (by
hostname, else name, ignoring case), its group and organisation (the inventory's tenant), and the
defaults administrators set on organisations and host groups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.inventory import InventoryDevice, InventoryHostGroup, InventoryTenant
from helpdesk_common.errors import NotFound, ValidationFailed
from itsm.sla.definitions import sla_exists
from itsm.tables import inventory_host_groups, inventory_hosts, inventory_tenants, sla_definitions


@dataclass(frozen=True)
class HostFacts:
    """What the inventory says of an alert's host; all None for a host it does not know."""

    host_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    host_group_id: uuid.UUID | None = None
    criticality: str | None = None
    group_sla_id: uuid.UUID | None = None
    tenant_sla_id: uuid.UUID | None = None
    tenant_escalation_policy_id: uuid.UUID | None = None


async def keep_tenant(session: AsyncSession, tenant: InventoryTenant, *, at: datetime) -> None:
    table = inventory_tenants
    new = insert(table).values(id=tenant.id, name=tenant.name, changed_at=at)
    values = {"name": tenant.name, "changed_at": at}
    await session.execute(
        new.on_conflict_do_update(index_elements=["id"], set_=values, where=table.c.changed_at <= at)
    )


async def remove_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Its devices go with it (the contract's rule); its groups stay, of no organisation."""
    await session.execute(delete(inventory_hosts).where(inventory_hosts.c.tenant_id == tenant_id))
    await session.execute(delete(inventory_tenants).where(inventory_tenants.c.id == tenant_id))


async def keep_host_group(session: AsyncSession, group: InventoryHostGroup, *, at: datetime) -> None:
    table = inventory_host_groups
    values = {
        "tenant_id": group.tenant_id,
        "name": group.name,
        "criticality": group.criticality,
        "depends_on": [str(each) for each in group.depends_on],
        "changed_at": at,
    }
    await session.execute(
        insert(table)
        .values(id=group.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values, where=table.c.changed_at <= at)
    )


async def remove_host_group(session: AsyncSession, group_id: uuid.UUID) -> None:
    await session.execute(
        update(inventory_hosts).where(inventory_hosts.c.host_group_id == group_id).values(host_group_id=None)
    )
    await session.execute(delete(inventory_host_groups).where(inventory_host_groups.c.id == group_id))


async def keep_host(session: AsyncSession, device: InventoryDevice, *, at: datetime) -> None:
    table = inventory_hosts
    hostname = str(device.attributes.get("hostname") or device.name).strip().lower()
    values = {
        "tenant_id": device.tenant_id,
        "host_group_id": device.host_group_id,
        "name": device.name,
        "hostname": hostname,
        "criticality": device.criticality,
        "changed_at": at,
    }
    await session.execute(
        insert(table)
        .values(id=device.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values, where=table.c.changed_at <= at)
    )


async def remove_host(session: AsyncSession, device_id: uuid.UUID) -> None:
    await session.execute(delete(inventory_hosts).where(inventory_hosts.c.id == device_id))


async def facts_of(session: AsyncSession, hosts: list[str]) -> dict[str, HostFacts]:
    """The facts of each named host that the inventory knows (keys lower-cased)."""
    wanted = sorted({host.strip().lower() for host in hosts if host})
    if not wanted:
        return {}
    host, group, tenant = inventory_hosts.c, inventory_host_groups.c, inventory_tenants.c
    # An SLA the engine has removed since it was set is no SLA to give.
    group_sla, tenant_sla = sla_definitions.alias("group_sla"), sla_definitions.alias("tenant_sla")
    query = (
        select(
            host.hostname,
            host.id,
            host.tenant_id,
            host.host_group_id,
            host.criticality,
            group.criticality.label("group_criticality"),
            group_sla.c.id.label("group_sla_id"),
            tenant_sla.c.id.label("default_sla_id"),
            tenant.default_escalation_policy_id,
        )
        .select_from(
            inventory_hosts.outerjoin(inventory_host_groups, group.id == host.host_group_id)
            .outerjoin(inventory_tenants, tenant.id == host.tenant_id)
            .outerjoin(group_sla, (group_sla.c.id == group.sla_id) & group_sla.c.removed.is_(False))
            .outerjoin(
                tenant_sla, (tenant_sla.c.id == tenant.default_sla_id) & tenant_sla.c.removed.is_(False)
            )
        )
        .where(host.hostname.in_(wanted))
        .order_by(host.hostname, host.changed_at.desc())
    )
    facts: dict[str, HostFacts] = {}
    for row in await session.execute(query):
        facts.setdefault(
            row.hostname,
            HostFacts(
                host_id=row.id,
                tenant_id=row.tenant_id,
                host_group_id=row.host_group_id,
                criticality=row.criticality or row.group_criticality,
                group_sla_id=row.group_sla_id,
                tenant_sla_id=row.default_sla_id,
                tenant_escalation_policy_id=row.default_escalation_policy_id,
            ),
        )
    return facts


async def ensure_sla_exists(session: AsyncSession, sla_id: uuid.UUID, *, field: str) -> None:
    if not await sla_exists(session, sla_id):
        raise ValidationFailed(field, "There is no such SLA: the SLA engine removed it, or never had it.")


async def set_tenant_defaults(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    default_sla_id: uuid.UUID | None,
    default_escalation_policy_id: uuid.UUID | None,
) -> None:
    if default_sla_id is not None:
        await ensure_sla_exists(session, default_sla_id, field="default_sla_id")
    done = await session.execute(
        update(inventory_tenants)
        .where(inventory_tenants.c.id == tenant_id)
        .values(default_sla_id=default_sla_id, default_escalation_policy_id=default_escalation_policy_id)
        .returning(inventory_tenants.c.id)
    )
    if done.first() is None:
        raise NotFound(f"The inventory has no organisation {tenant_id}.")


async def set_host_group_sla(session: AsyncSession, group_id: uuid.UUID, *, sla_id: uuid.UUID | None) -> None:
    if sla_id is not None:
        await ensure_sla_exists(session, sla_id, field="sla_id")
    done = await session.execute(
        update(inventory_host_groups)
        .where(inventory_host_groups.c.id == group_id)
        .values(sla_id=sla_id)
        .returning(inventory_host_groups.c.id)
    )
    if done.first() is None:
        raise NotFound(f"The inventory has no host group {group_id}.")
