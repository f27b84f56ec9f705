"""The rules for customers; a delete cascades exactly as seed 10.11 warns and says what it took."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.ticketing import CustomerRemoved, CustomerRemovedData
from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.outbox import add_event
from helpdesk_common.records import ensure_unique
from ticketing.contacts.service import search_contacts
from ticketing.customers.schemas import (
    CustomerCreate,
    CustomerDetail,
    CustomerOut,
    CustomerRemovedOut,
    CustomerUpdate,
    SlaChoice,
)
from ticketing.departments.service import list_departments, publish_removed
from ticketing.tables.contacts import contact_devices, contacts
from ticketing.tables.customers import customers
from ticketing.tables.projections import devices, sla_definitions, tenants
from ticketing.tickets.customer_sla import follow_customer
from ticketing.tickets.queue import read_queue
from ticketing.tickets.schemas import QueueQuery

CONTACTS_ON_DETAIL = 200
TICKETS_ON_DETAIL = 100


async def create_customer(session: AsyncSession, *, data: CustomerCreate) -> CustomerOut:
    await _check(session, company_name=data.company_name, tenant_id=data.tenant_id, sla_id=data.sla_id)
    customer_id = uuid.uuid4()
    await session.execute(insert(customers).values(id=customer_id, **data.model_dump()))
    return await get_customer(session, customer_id)


async def update_customer(
    session: AsyncSession, *, actor: Operator, customer_id: uuid.UUID, data: CustomerUpdate
) -> CustomerOut:
    """The SLA sent reaches the customer's open tickets in the same transaction (tickets/customer_sla.py)."""
    current = await get_customer(session, customer_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    await _check(
        session,
        company_name=data.company_name,
        tenant_id=values.get("tenant_id"),
        sla_id=values.get("sla_id"),
        except_id=customer_id,
    )
    if "tenant_id" in values and values["tenant_id"] != current.tenant_id:
        await _refuse_if_devices_linked(session, customer_id)
    values["updated_at"] = datetime.now(UTC)
    await session.execute(update(customers).where(customers.c.id == customer_id).values(**values))
    # Not compared with `current`, read unlocked: a change committed since would be missed.
    if "sla_id" in values:
        await follow_customer(session, customer_id=customer_id, sla_id=values["sla_id"], actor=actor)
    return await get_customer(session, customer_id)


async def delete_customer(session: AsyncSession, *, customer_id: uuid.UUID) -> CustomerRemovedOut:
    """Hard delete with cascade: the customer's departments, its contacts and their device links."""
    customer = await get_customer(session, customer_id)
    removed_departments = await list_departments(session, customer_id=customer_id)
    contact_ids = list(
        (await session.execute(select(contacts.c.id).where(contacts.c.customer_id == customer_id))).scalars()
    )
    links = await session.execute(
        delete(contact_devices)
        .where(contact_devices.c.contact_id.in_(contact_ids))
        .returning(contact_devices.c.device_id)
    )
    await session.execute(delete(customers).where(customers.c.id == customer_id))
    removed = CustomerRemovedOut(
        customer_id=customer_id,
        department_ids=[d.id for d in removed_departments],
        contact_ids=contact_ids,
        device_links_removed=len(links.all()),
    )
    await publish_removed(session, removed_departments)
    await add_event(
        session,
        CustomerRemoved.build(
            source="ticketing",
            subject=str(customer_id),
            data=CustomerRemovedData(company_name=customer.company_name, **removed.model_dump()),
        ),
    )
    return removed


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> CustomerOut:
    found = await list_customers(session, ids=[customer_id])
    if not found:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return found[0]


async def customer_detail(
    session: AsyncSession, operator: Operator, customer_id: uuid.UUID
) -> CustomerDetail:
    customer = await get_customer(session, customer_id)
    queue = await read_queue(
        session,
        operator=operator,
        query=QueueQuery(tab="all", customer_id=customer_id, limit=TICKETS_ON_DETAIL),
    )
    return CustomerDetail(
        **customer.model_dump(),
        departments=await list_departments(session, customer_id=customer_id),
        contacts=await search_contacts(session, customer_id=customer_id, limit=CONTACTS_ON_DETAIL),
        tickets=queue.rows,
    )


async def list_customers(
    session: AsyncSession, *, ids: list[uuid.UUID] | None = None, search: str | None = None
) -> list[CustomerOut]:
    contacts_count = (
        select(func.count())
        .select_from(contacts)
        .where(contacts.c.customer_id == customers.c.id)
        .scalar_subquery()
    )
    query = (
        select(
            customers,
            tenants.c.name.label("tenant_name"),
            sla_definitions.c.name.label("sla_name"),
            contacts_count.label("contacts_count"),
        )
        .outerjoin(tenants, tenants.c.id == customers.c.tenant_id)
        .outerjoin(sla_definitions, sla_definitions.c.id == customers.c.sla_id)
        .order_by(func.lower(customers.c.company_name))
    )
    if ids is not None:
        query = query.where(customers.c.id.in_(ids))
    if search:
        query = query.where(func.lower(customers.c.company_name).contains(search.lower(), autoescape=True))
    return [CustomerOut.model_validate(dict(row._mapping)) for row in await session.execute(query)]


async def _check(
    session: AsyncSession,
    *,
    company_name: str | None,
    tenant_id: uuid.UUID | None,
    sla_id: uuid.UUID | None,
    except_id: uuid.UUID | None = None,
) -> None:
    if company_name is not None:
        message = f"A customer named '{company_name}' exists already."
        await ensure_unique(
            session,
            customers.c.company_name,
            company_name,
            field="company_name",
            message=message,
            except_id=except_id,
        )
    if tenant_id is not None and not await _exists(session, tenants.c.id, tenant_id):
        raise ValidationFailed(
            "tenant_id", f"Tenant {tenant_id} is unknown (import it, or wait for the inventory)."
        )
    if sla_id is not None and not await _exists(session, sla_definitions.c.id, sla_id):
        raise ValidationFailed("sla_id", f"SLA {sla_id} does not exist.")


async def _exists(session: AsyncSession, column: Any, value: uuid.UUID) -> bool:
    return (await session.execute(select(column).where(column == value))).first() is not None


async def _refuse_if_devices_linked(session: AsyncSession, customer_id: uuid.UUID) -> None:
    linked = (
        await session.execute(
            select(func.count())
            .select_from(contact_devices.join(contacts, contacts.c.id == contact_devices.c.contact_id))
            .join(devices, devices.c.id == contact_devices.c.device_id)
            .where(contacts.c.customer_id == customer_id)
        )
    ).scalar_one()
    if linked:
        raise ValidationFailed(
            "tenant_id",
            f"{linked} device links of this customer's contacts belong to the current tenant; "
            "unlink them first.",
        )


async def list_sla_choices(session: AsyncSession) -> list[SlaChoice]:
    """From ticketing's copy of the SLA library: the SLAs a customer's `sla_id` is checked against."""
    query = select(sla_definitions.c.id, sla_definitions.c.name).order_by(
        func.lower(sla_definitions.c.name), sla_definitions.c.id
    )
    return [SlaChoice.model_validate(row._mapping) for row in await session.execute(query)]
