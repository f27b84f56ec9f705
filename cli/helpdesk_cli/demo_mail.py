"""The demo's customer e-mail. `make run` has no mailbox to poll, so the demo hands ticketing what
the mail gateway's poller would after reading a department's inbox: `mail_inbound_received` events
on the bus, published as a relay publishes (JetStream, `Nats-Msg-Id` = the event id). Ticketing
threads the replies onto their tickets and opens Email tickets for the rest, as it would for mail.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass

import nats

from helpdesk_common.contracts.mail import InboundMail, MailInboundReceived

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
class Conversation:
    """A demo ticket a customer may answer: its number, title, department and contact's address."""

    number: str
    title: str
    department_id: str
    address: str


def replies_to(conversations: list[Conversation], count: int) -> list[MailInboundReceived]:
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


def new_requests(department_ids: list[str], addresses: list[str], count: int) -> list[MailInboundReceived]:
    """Fresh messages, one from a sender nobody knows yet (ticketing makes them a contact)."""
    senders = [*random.choices(addresses, k=count - 1), f"newcomer.{secrets.token_hex(2)}@example.org"]
    return [
        _mail(department_id=random.choice(department_ids), address=sender, subject=subject, body=body)
        for sender, (subject, body) in zip(senders, random.choices(NEW_MAIL, k=count), strict=True)
    ]


async def deliver(nats_url: str, mails: list[MailInboundReceived]) -> None:
    client = await nats.connect(nats_url)
    try:
        jetstream = client.jetstream()
        for mail in mails:
            await jetstream.publish(mail.bus_subject(), mail.to_json(), headers={"Nats-Msg-Id": str(mail.id)})
    finally:
        await client.close()


def _mail(*, department_id: str, address: str, subject: str, body: str) -> MailInboundReceived:
    domain = address.rpartition("@")[2]
    data = InboundMail(
        department_id=uuid.UUID(department_id),
        message_id=f"<demo.{uuid.uuid4().hex}@{domain}>",
        from_address=address,
        subject=subject,
        body_text=body,
    )
    return MailInboundReceived.build(source="mail-gateway", subject=department_id, data=data)
