"""HTTP for what enrichment reads of the inventory: organisations (its tenants) with their default SLA
and escalation policy, and host groups with their SLA. Read with `incidents.view`, set with
`itsm.settings.manage`; the records themselves come from the inventory contract only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from helpdesk_common.db import Session
from helpdesk_common.inputs import RequestModel
from itsm.access import ItsmAdministrator, SettingsReader
from itsm.inventory import service
from itsm.tables import inventory_host_groups, inventory_tenants

router = APIRouter(tags=["organisations and host groups"])


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    default_sla_id: uuid.UUID | None
    default_escalation_policy_id: uuid.UUID | None


class OrganisationDefaultsIn(RequestModel):
    default_sla_id: uuid.UUID | None = None
    default_escalation_policy_id: uuid.UUID | None = None


class HostGroupOut(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID | None
    name: str
    criticality: str | None
    depends_on: list[uuid.UUID]
    sla_id: uuid.UUID | None


class HostGroupSlaIn(RequestModel):
    sla_id: uuid.UUID | None = None


@router.get("/organisations")
async def list_organisations(operator: SettingsReader, session: Session) -> list[OrganisationOut]:
    rows = await session.execute(select(inventory_tenants).order_by(inventory_tenants.c.name))
    return [OrganisationOut.model_validate(row, from_attributes=True) for row in rows]


@router.put("/organisations/{tenant_id}")
async def save_organisation_defaults(
    tenant_id: uuid.UUID, data: OrganisationDefaultsIn, operator: ItsmAdministrator, session: Session
) -> OrganisationOut:
    await service.set_tenant_defaults(session, tenant_id, **data.model_dump())
    await session.commit()
    row = (await session.execute(select(inventory_tenants).where(inventory_tenants.c.id == tenant_id))).one()
    return OrganisationOut.model_validate(row, from_attributes=True)


@router.get("/host-groups")
async def list_host_groups(operator: SettingsReader, session: Session) -> list[HostGroupOut]:
    rows = await session.execute(select(inventory_host_groups).order_by(inventory_host_groups.c.name))
    return [HostGroupOut.model_validate(row, from_attributes=True) for row in rows]


@router.put("/host-groups/{group_id}")
async def save_host_group_sla(
    group_id: uuid.UUID, data: HostGroupSlaIn, operator: ItsmAdministrator, session: Session
) -> HostGroupOut:
    await service.set_host_group_sla(session, group_id, sla_id=data.sla_id)
    await session.commit()
    row = (
        await session.execute(select(inventory_host_groups).where(inventory_host_groups.c.id == group_id))
    ).one()
    return HostGroupOut.model_validate(row, from_attributes=True)
