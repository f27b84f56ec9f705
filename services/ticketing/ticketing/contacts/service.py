"""The rules for contacts: one contact per e-mail address, devices only from the company's tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound, PermissionMissing, ValidationFailed
from helpdesk_common.records import ensure_unique
from ticketing.contacts.schemas import ContactCreate, ContactOut, ContactUpdate, LinkedDevice
from ticketing.tables.contacts import contact_devices, contacts
from ticketing.tables.customers import customers
from ticketing.tables.departments import departments
from ticketing.tables.projections import devices

SEARCH_LIMIT_MAX = 200
MANAGE_FLAG = "tickets_manage_customers"
# What Create Contact on a ticket's Details tab knows of the person (seed 10.4, tickets_edit).
FROM_A_TICKET = frozenset({"first_name", "last_name", "email", "customer_id"})


async def create_contact(session: AsyncSession, *, actor: Operator, data: ContactCreate) -> ContactOut:
    _check_create_rights(actor, data)
    await _check_email(session, data.email)
    await _check_department(session, data.department_id)
    await _check_devices(session, data.customer_id, data.device_ids)
    contact_id = uuid.uuid4()
    await session.execute(insert(contacts).values(id=contact_id, **data.model_dump(exclude={"device_ids"})))
    await _set_devices(session, contact_id, data.device_ids)
    return await get_contact(session, contact_id)


def _check_create_rights(actor: Operator, data: ContactCreate) -> None:
    """An editor of tickets (the route's gate) makes a contact from a ticket: a name, the address and
    a company. The rest of the record (phone, position, department, notes, devices) is managed on the
    Contacts page, so setting any of it needs that page's flag."""
    if actor.has(MANAGE_FLAG):
        return
    defaults = ContactCreate.model_fields
    if any(getattr(data, name) != defaults[name].default for name in defaults.keys() - FROM_A_TICKET):
        raise PermissionMissing(MANAGE_FLAG)


async def update_contact(session: AsyncSession, *, contact_id: uuid.UUID, data: ContactUpdate) -> ContactOut:
    current = await get_contact(session, contact_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"device_ids"})
    if data.email is not None:
        await _check_email(session, data.email, except_id=contact_id)
    if "department_id" in values:
        await _check_department(session, data.department_id)
    customer_id = values.get("customer_id", current.customer_id)
    device_ids = data.device_ids if data.device_ids is not None else [d.id for d in current.devices]
    await _check_devices(session, customer_id, device_ids)
    if data.device_ids is not None:
        await _set_devices(session, contact_id, data.device_ids)
    values["updated_at"] = datetime.now(UTC)
    await session.execute(update(contacts).where(contacts.c.id == contact_id).values(**values))
    return await get_contact(session, contact_id)


async def delete_contact(session: AsyncSession, *, contact_id: uuid.UUID) -> None:
    await get_contact(session, contact_id)
    await session.execute(delete(contacts).where(contacts.c.id == contact_id))


async def get_contact(session: AsyncSession, contact_id: uuid.UUID) -> ContactOut:
    found = await search_contacts(session, ids=[contact_id])
    if not found:
        raise NotFound(f"Contact {contact_id} does not exist.")
    return found[0]


async def search_contacts(
    session: AsyncSession,
    *,
    ids: list[uuid.UUID] | None = None,
    search: str | None = None,
    customer_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[ContactOut]:
    """Autocomplete: one text matches first name, last name, full name, e-mail and company."""
    query = (
        select(contacts, customers.c.company_name)
        .outerjoin(customers, customers.c.id == contacts.c.customer_id)
        .order_by(func.lower(contacts.c.last_name), func.lower(contacts.c.first_name), contacts.c.email)
        .limit(min(limit, SEARCH_LIMIT_MAX))
    )
    if ids is not None:
        query = query.where(contacts.c.id.in_(ids))
    if customer_id is not None:
        query = query.where(contacts.c.customer_id == customer_id)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        full_name = func.lower(contacts.c.first_name + " " + contacts.c.last_name)
        query = query.where(
            or_(
                full_name.like(pattern),
                func.lower(contacts.c.last_name + " " + contacts.c.first_name).like(pattern),
                func.lower(contacts.c.email).like(pattern),
                func.lower(customers.c.company_name).like(pattern),
            )
        )
    rows = (await session.execute(query)).all()
    linked = await devices_of(session, [row.id for row in rows])
    return [_contact_out(row, linked.get(row.id, [])) for row in rows]


async def devices_of(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[LinkedDevice]]:
    if not contact_ids:
        return {}
    query = (
        select(contact_devices.c.contact_id, devices.c.id, devices.c.name, devices.c.attributes)
        .join(devices, devices.c.id == contact_devices.c.device_id)
        .where(contact_devices.c.contact_id.in_(contact_ids))
        .order_by(devices.c.name)
    )
    found: dict[uuid.UUID, list[LinkedDevice]] = {}
    for row in await session.execute(query):
        found.setdefault(row.contact_id, []).append(
            LinkedDevice(id=row.id, name=row.name, attributes=dict(row.attributes))
        )
    return found


def _contact_out(row: Row[Any], linked: list[LinkedDevice]) -> ContactOut:
    values = dict(row._mapping)
    return ContactOut(**values, devices=linked)


async def _set_devices(session: AsyncSession, contact_id: uuid.UUID, device_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(contact_devices).where(contact_devices.c.contact_id == contact_id))
    if device_ids:
        await session.execute(
            insert(contact_devices), [{"contact_id": contact_id, "device_id": d} for d in set(device_ids)]
        )


async def _check_email(session: AsyncSession, email: str, except_id: uuid.UUID | None = None) -> None:
    message = f"A contact with the e-mail address {email} exists already."
    await ensure_unique(session, contacts.c.email, email, field="email", message=message, except_id=except_id)


async def _check_department(session: AsyncSession, department_id: uuid.UUID | None) -> None:
    if department_id is None:
        return
    if (
        await session.execute(select(departments.c.id).where(departments.c.id == department_id))
    ).first() is None:
        raise ValidationFailed("department_id", f"Department {department_id} does not exist.")


async def _check_devices(
    session: AsyncSession, customer_id: uuid.UUID | None, device_ids: list[uuid.UUID]
) -> None:
    """Seed 10.12: devices can only be linked from the linked tenant of the contact's company."""
    customer = None
    if customer_id is not None:
        customer = (
            await session.execute(
                select(customers.c.company_name, customers.c.tenant_id).where(customers.c.id == customer_id)
            )
        ).first()
        if customer is None:
            raise ValidationFailed("customer_id", f"Customer {customer_id} does not exist.")
    if not device_ids:
        return
    if customer is None or customer.tenant_id is None:
        raise ValidationFailed(
            "device_ids", "Devices can be linked only once the contact's company is linked to a tenant."
        )
    rows = (
        await session.execute(select(devices.c.id, devices.c.tenant_id).where(devices.c.id.in_(device_ids)))
    ).all()
    tenants = {row.id: row.tenant_id for row in rows}
    for device_id in device_ids:
        if device_id not in tenants:
            raise ValidationFailed("device_ids", f"Device {device_id} is unknown.")
        if tenants[device_id] != customer.tenant_id:
            raise ValidationFailed(
                "device_ids", f"Device {device_id} is not in the tenant linked to {customer.company_name}."
            )
