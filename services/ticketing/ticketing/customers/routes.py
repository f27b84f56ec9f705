"""HTTP for customers and contacts (flag tickets_manage_customers), the SLA picker of the customer form,
and what a ticket's dialogs need of contacts: the autocomplete (New Ticket, tickets_create; Details,
tickets_edit) and Create Contact (Details, tickets_edit)."""

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
    MANAGE_FLAG,
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
    SlaChoice,
)
from ticketing.customers.service import (
    create_customer,
    customer_detail,
    delete_customer,
    list_customers,
    list_sla_choices,
    update_customer,
)

router = APIRouter(tags=["customers and contacts"])
Manager = Annotated[Operator, Depends(ticket_access(MANAGE_FLAG))]
# A read-only operator sees a ticket's contact on the ticket itself; looking people up is for those
# who set a ticket's contact (New Ticket, the Details tab) or manage contacts.
ContactReader = Annotated[
    Operator, Depends(ticket_access(any_of=("tickets_create", "tickets_edit", MANAGE_FLAG)))
]
# Create Contact on the Details tab; create_contact keeps the rest of the record to MANAGE_FLAG.
ContactCreator = Annotated[Operator, Depends(ticket_access(any_of=("tickets_edit", MANAGE_FLAG)))]
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
    changed = await update_customer(session, actor=operator, customer_id=customer_id, data=data)
    await session.commit()
    return changed


@router.delete("/customers/{customer_id}")
async def remove(customer_id: uuid.UUID, operator: Manager, session: Session) -> CustomerRemovedOut:
    """Deletes the customer, its departments, its contacts and their device links, and says so."""
    removed = await delete_customer(session, customer_id=customer_id)
    await session.commit()
    return removed


@router.get("/sla-definitions")
async def sla_choices(operator: Manager, session: Session) -> list[SlaChoice]:
    """The customer form's SLA picker: whoever sets a customer's SLA may list the library's names,
    without tickets_manage_sla, which edits the library (the SLA engine's /definitions)."""
    return await list_sla_choices(session)


@router.get("/contacts")
async def search(
    operator: ContactReader,
    session: Session,
    search: Search = None,
    customer_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ContactOut]:
    """The contact list and the autocomplete: one text over name, e-mail and company."""
    return await search_contacts(session, search=search, customer_id=customer_id, limit=limit)


@router.post("/contacts", status_code=201)
async def create_one(data: ContactCreate, operator: ContactCreator, session: Session) -> ContactOut:
    """With tickets_edit alone: first and last name, e-mail and customer (Create Contact on a ticket);
    any other field needs tickets_manage_customers."""
    created = await create_contact(session, actor=operator, data=data)
    await session.commit()
    return created


@router.get("/contacts/{contact_id}")
async def read_one(contact_id: uuid.UUID, operator: ContactReader, session: Session) -> ContactOut:
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
