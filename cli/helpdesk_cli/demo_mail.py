"""The demo's customer e-mail. `make run` has no mailbox to poll, so the demo hands the mail gateway what
its poller would store after reading a department's inbox: raw messages, through `helpdesk mail
import`'s path (store_raw), which the gateway's parser role turns into `mail_inbound_received`.
Ticketing threads the replies onto their tickets and opens Email tickets for the rest, as it would for
mail.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from helpdesk_common.db import create_engine, create_session_factory
from mail_gateway.inbound.store import store_raw
from mail_gateway.main import service as mail_gateway

NEW_MAIL = [
    ("Cannot print from the new laptop", "Hi, since yesterday nothing prints. Could you have a look?"),
    ("Outlook stuck on 'Updating folder'", "Outlook has been stuck since this morning, please help."),
    ("Access to the sales share", "Hello, I need write access to \\\\FILESRV01\\Sales for the new quote."),
    ("Screen stays black after docking", "When I dock the laptop both screens stay black."),
]
REPLIES = [
    "Thanks, that fixed it for now. I'll let you know if it comes back.",
    "It happened again at 10:15, screenshot below.",
    "Sorry for the delay, I was out of office. Yes, please go ahead.",
]


@dataclass(frozen=True)
class DemoMail:
    department_id: uuid.UUID
    raw: bytes


@dataclass(frozen=True)
class Conversation:
    """A demo ticket a customer may answer: its number, title, department and contact's address."""

    number: str
    title: str
    department_id: str
    address: str


def replies_to(conversations: list[Conversation], count: int) -> list[DemoMail]:
    """Customers answering their tickets (the number in the subject, as our mail sends it)."""
    return [
        _mail(
            department_id=c.department_id,
            address=c.address,
            subject=f"Re: [{c.number}] {c.title}",
            body=random.choice(REPLIES),
        )
        for c in random.sample(conversations, k=min(count, len(conversations)))
    ]


def new_requests(department_ids: list[str], addresses: list[str], count: int) -> list[DemoMail]:
    """Fresh messages, one from a sender nobody knows yet (ticketing makes them a contact)."""
    senders = [*random.choices(addresses, k=count - 1), f"newcomer.{secrets.token_hex(2)}@example.org"]
    return [
        _mail(department_id=random.choice(department_ids), address=sender, subject=subject, body=body)
        for sender, (subject, body) in zip(senders, random.choices(NEW_MAIL, k=count), strict=True)
    ]


async def deliver(database_url: str, mails: list[DemoMail]) -> None:
    """Stored as an import stores them, in one transaction; the parsers take it from there."""
    engine = create_engine(database_url, schema=mail_gateway.schema, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            for mail in mails:
                await store_raw(session, department_id=mail.department_id, raw=mail.raw, source="import")
    finally:
        await engine.dispose()


def _mail(*, department_id: str, address: str, subject: str, body: str) -> DemoMail:
    message = EmailMessage()
    message["From"] = address
    message["To"] = "helpdesk@demo.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("demo", domain=address.rpartition("@")[2])
    message.set_content(body)
    return DemoMail(department_id=uuid.UUID(department_id), raw=message.as_bytes())
