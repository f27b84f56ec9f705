"""The tenants and devices projection: idempotent upserts and removals, from events and imports.

Every write carries the time of the change (the event's `time`, or the moment of an import); a row
is only replaced or removed by a change at least as new as the one it holds, so a redelivery that
arrives after a newer change never undoes it. A removal leaves no tombstone (the tables have no
place for one): an upsert older than a removal that reaches us after it, which takes a retried
upsert, brings the record back until the inventory's next change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.inventory import InventoryDevice, InventoryTenant
from helpdesk_common.errors import NotFound, ValidationFailed
from ticketing.inventory.schemas import DeviceOut, ImportResult, InventoryImport, TenantOut
from ticketing.tables.contacts import contact_devices
from ticketing.tables.projections import devices, tenants

# Rows per statement: 5 parameters a device keeps a batch far below PostgreSQL's 32,767.
BATCH_SIZE = 1000

RecordT = TypeVar("RecordT", InventoryTenant, InventoryDevice)


async def upsert_tenants(session: AsyncSession, *, records: Sequence[InventoryTenant], at: datetime) -> int:
    written = 0
    for batch in _batches(records):
        statement = insert(tenants).values([{"id": t.id, "name": t.name, "updated_at": at} for t in batch])
        statement = statement.on_conflict_do_update(
            index_elements=[tenants.c.id],
            set_={"name": statement.excluded.name, "updated_at": statement.excluded.updated_at},
            where=tenants.c.updated_at <= statement.excluded.updated_at,
        )
        written += len((await session.execute(statement.returning(tenants.c.id))).all())
    return written


async def upsert_devices(session: AsyncSession, *, records: Sequence[InventoryDevice], at: datetime) -> int:
    written = 0
    for batch in _batches(records):
        ids = [d.id for d in batch]
        held = await session.execute(select(devices.c.id, devices.c.tenant_id).where(devices.c.id.in_(ids)))
        before = {row.id: row.tenant_id for row in held}
        statement = insert(devices).values(
            [
                {
                    "id": d.id,
                    "tenant_id": d.tenant_id,
                    "name": d.name,
                    "attributes": d.attributes,
                    "updated_at": at,
                }
                for d in batch
            ]
        )
        statement = statement.on_conflict_do_update(
            index_elements=[devices.c.id],
            set_={
                column: statement.excluded[column]
                for column in ("tenant_id", "name", "attributes", "updated_at")
            },
            where=devices.c.updated_at <= statement.excluded.updated_at,
        )
        after = (await session.execute(statement.returning(devices.c.id, devices.c.tenant_id))).all()
        written += len(after)
        # Seed 10.12: a contact only links devices of its company's tenant; a device that moved to
        # another tenant leaves the contacts of the old one.
        moved = [row.id for row in after if before.get(row.id, row.tenant_id) != row.tenant_id]
        if moved:
            await session.execute(delete(contact_devices).where(contact_devices.c.device_id.in_(moved)))
    return written


async def remove_tenant(session: AsyncSession, *, tenant_id: uuid.UUID, at: datetime) -> bool:
    """Removes the tenant, its devices and their contact links; False when a newer change holds."""
    if await _holds_newer(session, tenants, tenant_id, at):
        return False
    of_tenant = select(devices.c.id).where(devices.c.tenant_id == tenant_id)
    await session.execute(delete(contact_devices).where(contact_devices.c.device_id.in_(of_tenant)))
    await session.execute(delete(devices).where(devices.c.tenant_id == tenant_id))
    await session.execute(delete(tenants).where(tenants.c.id == tenant_id))
    return True


async def remove_device(session: AsyncSession, *, device_id: uuid.UUID, at: datetime) -> bool:
    """Removes the device and its contact links; False when a newer change holds."""
    if await _holds_newer(session, devices, device_id, at):
        return False
    await session.execute(delete(contact_devices).where(contact_devices.c.device_id == device_id))
    await session.execute(delete(devices).where(devices.c.id == device_id))
    return True


async def import_records(session: AsyncSession, *, data: InventoryImport) -> ImportResult:
    """All or nothing: the caller's transaction holds every batch, and checks come before writes."""
    _check_unique(data.tenants, "tenants")
    _check_unique(data.devices, "devices")
    await _check_tenants_known(session, data)
    at = datetime.now(UTC)
    return ImportResult(
        tenants=await upsert_tenants(session, records=data.tenants, at=at),
        devices=await upsert_devices(session, records=data.devices, at=at),
    )


async def list_tenants(session: AsyncSession, *, search: str | None, limit: int) -> list[TenantOut]:
    device_count = (
        select(func.count()).where(devices.c.tenant_id == tenants.c.id).correlate(tenants).scalar_subquery()
    )
    query: Select[Any] = select(tenants, device_count.label("device_count"))
    if search and search.strip():
        query = query.where(tenants.c.name.ilike(_contains(search), escape="\\"))
    rows = await session.execute(query.order_by(func.lower(tenants.c.name), tenants.c.id).limit(limit))
    return [TenantOut.model_validate(row, from_attributes=True) for row in rows]


async def list_devices(
    session: AsyncSession, *, tenant_id: uuid.UUID, search: str | None, limit: int
) -> list[DeviceOut]:
    if (await session.execute(select(tenants.c.id).where(tenants.c.id == tenant_id))).first() is None:
        raise NotFound(f"The tenant {tenant_id} is not known.")
    query: Select[Any] = select(devices).where(devices.c.tenant_id == tenant_id)
    if search and search.strip():
        query = query.where(devices.c.name.ilike(_contains(search), escape="\\"))
    rows = await session.execute(query.order_by(func.lower(devices.c.name), devices.c.id).limit(limit))
    return [DeviceOut.model_validate(row, from_attributes=True) for row in rows]


def _check_unique(records: Sequence[RecordT], field: str) -> None:
    seen: set[uuid.UUID] = set()
    for index, record in enumerate(records):
        if record.id in seen:
            raise ValidationFailed(f"{field}.{index}.id", f"{record.id} appears twice in this import.")
        seen.add(record.id)


async def _check_tenants_known(session: AsyncSession, data: InventoryImport) -> None:
    known = {tenant.id for tenant in data.tenants}
    elsewhere = {device.tenant_id for device in data.devices} - known
    if elsewhere:
        rows = await session.execute(select(tenants.c.id).where(tenants.c.id.in_(elsewhere)))
        known.update(rows.scalars())
    for index, device in enumerate(data.devices):
        if device.tenant_id not in known:
            raise ValidationFailed(
                f"devices.{index}.tenant_id",
                f"The tenant {device.tenant_id} is neither in this import nor known.",
            )


async def _holds_newer(session: AsyncSession, table: Table, record_id: uuid.UUID, at: datetime) -> bool:
    query = select(table.c.id).where(table.c.id == record_id, table.c.updated_at > at)
    return (await session.execute(query)).first() is not None


def _batches(records: Sequence[RecordT]) -> Iterator[Sequence[RecordT]]:
    for start in range(0, len(records), BATCH_SIZE):
        yield records[start : start + BATCH_SIZE]


def _contains(search: str) -> str:
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
