"""The consumer that keeps the inventory's tenants, host groups and devices (`inventory.>`), each the
newest by the event's time: what an alert's host is matched to at enrichment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.inventory import (
    InventoryDeviceRemoved,
    InventoryDeviceUpserted,
    InventoryHostGroupRemoved,
    InventoryHostGroupUpserted,
    InventoryTenantRemoved,
    InventoryTenantUpserted,
)
from itsm.inventory import service

inventory_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="itsm-inventory",
            stream="INVENTORY",
            filter_subject="inventory.>",
            description="ITSM's copy of tenants, host groups and devices (incident enrichment).",
        )
    )
)


@inventory_consumer.on(InventoryTenantUpserted)
async def on_tenant_upserted(session: AsyncSession, event: InventoryTenantUpserted) -> None:
    await service.keep_tenant(session, event.data.tenant, at=event.time)


@inventory_consumer.on(InventoryTenantRemoved)
async def on_tenant_removed(session: AsyncSession, event: InventoryTenantRemoved) -> None:
    await service.remove_tenant(session, event.data.tenant.id)


@inventory_consumer.on(InventoryHostGroupUpserted)
async def on_host_group_upserted(session: AsyncSession, event: InventoryHostGroupUpserted) -> None:
    await service.keep_host_group(session, event.data.host_group, at=event.time)


@inventory_consumer.on(InventoryHostGroupRemoved)
async def on_host_group_removed(session: AsyncSession, event: InventoryHostGroupRemoved) -> None:
    await service.remove_host_group(session, event.data.host_group.id)


@inventory_consumer.on(InventoryDeviceUpserted)
async def on_device_upserted(session: AsyncSession, event: InventoryDeviceUpserted) -> None:
    await service.keep_host(session, event.data.device, at=event.time)


@inventory_consumer.on(InventoryDeviceRemoved)
async def on_device_removed(session: AsyncSession, event: InventoryDeviceRemoved) -> None:
    await service.remove_host(session, event.data.device.id)
