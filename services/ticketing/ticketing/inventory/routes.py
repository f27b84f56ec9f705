"""HTTP for the inventory projection (flag tickets_manage_customers): the import, and the tenants and
devices the customer and contact forms offer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from helpdesk_common.inputs import QueryText
from ticketing.access import ticket_access
from ticketing.inventory import service
from ticketing.inventory.schemas import DeviceOut, ImportResult, InventoryImport, TenantOut

router = APIRouter(prefix="/inventory", tags=["inventory"])
Manager = Annotated[Operator, Depends(ticket_access("tickets_manage_customers"))]
Search = Annotated[QueryText, Query(max_length=200, description="In the name.")]


@router.post("/import")
async def import_records(data: InventoryImport, operator: Manager, session: Session) -> ImportResult:
    """Upserts tenants and devices in one transaction; nothing is written when a record is refused."""
    result = await service.import_records(session, data=data)
    await session.commit()
    return result


@router.get("/tenants")
async def list_tenants(
    operator: Manager,
    session: Session,
    search: Search = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TenantOut]:
    return await service.list_tenants(session, search=search, limit=limit)


@router.get("/tenants/{tenant_id}/devices")
async def list_devices(
    tenant_id: uuid.UUID,
    operator: Manager,
    session: Session,
    search: Search = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[DeviceOut]:
    return await service.list_devices(session, tenant_id=tenant_id, search=search, limit=limit)
