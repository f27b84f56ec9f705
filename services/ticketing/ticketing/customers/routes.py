"""HTTP for customers and contacts (flag tickets_manage_customers; contact search for every module user)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from helpdesk_common.inputs import QueryText
from ticketing.access import ticket_access
from ticketing.contacts.schemas import ContactCreate, ContactOut, ContactUpdate
from ticketing.contacts.service import (
    create_contact,
    delete_contact,
    get_contact,
    search_contacts,
    update_contact,
)
from ticketing.customers.schemas import (
    CustomerCreate,
    CustomerDetail,
    CustomerOut,
    CustomerRemovedOut,
    CustomerUpdate,
)
from ticketing.customers.service import (
    create_customer,
    customer_detail,
    delete_customer,
    list_customers,
    update_customer,
)

router = APIRouter(tags=["customers and contacts"])
Reader = Annotated[Operator, Depends(ticket_access())]
Manager = Annotated[Operator, Depends(ticket_access("tickets_manage_customers"))]
Search = Annotated[QueryText, Query(max_length=200)]


@router.get("/customers")
async def list_(operator: Manager, session: Session, search: Search = None) -> list[CustomerOut]:
    return await list_customers(session, search=search)


@router.post("/customers", status_code=201)
async def create(data: CustomerCreate, operator: Manager, session: Session) -> CustomerOut:
    created = await create_customer(session, data=data)
    await session.commit()
    return created


@router.get("/customers/{customer_id}")
async def read(customer_id: uuid.UUID, operator: Manager, session: Session) -> CustomerDetail:
    return await customer_detail(session, operator, customer_id)


@router.patch("/customers/{customer_id}")
async def edit(
    customer_id: uuid.UUID, data: CustomerUpdate, operator: Manager, session: Session
) -> CustomerOut:
    changed = await update_customer(session, customer_id=customer_id, data=data)
    await session.commit()
    return changed


@router.delete("/customers/{customer_id}")
async def remove(customer_id: uuid.UUID, operator: Manager, session: Session) -> CustomerRemovedOut:
    """Deletes the customer, its departments, its contacts and their device links, and says so."""
    removed = await delete_customer(session, customer_id=customer_id)
    await session.commit()
    return removed


@router.get("/contacts")
async def search(
    operator: Reader,
    session: Session,
    search: Search = None,
    customer_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ContactOut]:
    """The contact list and the autocomplete: one text over name, e-mail and company."""
    return await search_contacts(session, search=search, customer_id=customer_id, limit=limit)


@router.post("/contacts", status_code=201)
async def create_one(data: ContactCreate, operator: Manager, session: Session) -> ContactOut:
    created = await create_contact(session, data=data)
    await session.commit()
    return created


@router.get("/contacts/{contact_id}")
async def read_one(contact_id: uuid.UUID, operator: Reader, session: Session) -> ContactOut:
    return await get_contact(session, contact_id)


@router.patch("/contacts/{contact_id}")
async def edit_one(
    contact_id: uuid.UUID, data: ContactUpdate, operator: Manager, session: Session
) -> ContactOut:
    changed = await update_contact(session, contact_id=contact_id, data=data)
    await session.commit()
    return changed


@router.delete("/contacts/{contact_id}", status_code=204)
async def remove_one(contact_id: uuid.UUID, operator: Manager, session: Session) -> None:
    await delete_contact(session, contact_id=contact_id)
    await session.commit()
