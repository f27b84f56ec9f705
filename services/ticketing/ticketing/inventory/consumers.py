"""The consumer that keeps the tenants and devices projection from the inventory events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.inventory import (
    InventoryDeviceRemoved,
    InventoryDeviceUpserted,
    InventoryTenantRemoved,
    InventoryTenantUpserted,
)
from ticketing.inventory import service

inventory_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-inventory",
            stream="INVENTORY",
            filter_subject="inventory.>",
            description="Ticketing's copy of tenants and devices (contacts link devices of their tenant).",
        )
    )
)


@inventory_consumer.on(InventoryTenantUpserted)
async def on_tenant_upserted(session: AsyncSession, event: InventoryTenantUpserted) -> None:
    await service.upsert_tenants(session, records=[event.data.tenant], at=event.time)


@inventory_consumer.on(InventoryTenantRemoved)
async def on_tenant_removed(session: AsyncSession, event: InventoryTenantRemoved) -> None:
    await service.remove_tenant(session, tenant_id=event.data.tenant.id, at=event.time)


@inventory_consumer.on(InventoryDeviceUpserted)
async def on_device_upserted(session: AsyncSession, event: InventoryDeviceUpserted) -> None:
    await service.upsert_devices(session, records=[event.data.device], at=event.time)


@inventory_consumer.on(InventoryDeviceRemoved)
async def on_device_removed(session: AsyncSession, event: InventoryDeviceRemoved) -> None:
    await service.remove_device(session, device_id=event.data.device.id, at=event.time)
