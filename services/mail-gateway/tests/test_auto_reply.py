"""The auto-reply (seed 10.10; issue 16, parts 4 and 6): once per new ticket from e-mail, with the two
placeholders filled (escaped in the HTML), threaded on the customer's message, marked automatic; and
none to a machine, to our own addresses, past the per-sender limit, or with the auto-reply off, each
decision kept with its reason. The handler runs as the consumer runs it, in a transaction of its own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from helpdesk_common.contracts.tickets import (
    InboundOrigin,
    TicketChangeData,
    TicketCreated,
    TicketPriority,
    TicketSnapshot,
    TicketSource,
    TicketStatus,
)
from mail_gateway.replies import consumers

HOSTILE_TITLE = "Printer <script>alert(1)</script> & co"


async def _mailbox(mail: Any, **changes: Any) -> uuid.UUID:
    department_id: uuid.UUID = await mail.department_known()
    body = {
        "smtp_host": "smtp.example.com",
        "smtp_username": "desk@ours.example",
        "smtp_password": "secret",
        "from_address": "desk@ours.example",
        "auto_reply_enabled": True,
        "auto_reply_subject": "Received: {{subject}} ({{ticket_number}})",
        "auto_reply_body_html": "<p>We have {{ticket_number}}: {{subject}}</p>",
        **changes,
    }
    saved = await mail.client.put(f"/departments/{department_id}/mailbox", json=body, headers=mail.manager())
    assert saved.status_code == 200, saved.text
    return department_id


def _created(department_id: uuid.UUID, *, sender: str, automatic: str | None = None) -> TicketCreated:
    now = datetime.now(UTC)
    number = f"TKT-{uuid.uuid4().int % 1_000_000:06d}"
    ticket = TicketSnapshot(
        id=uuid.uuid4(),
        number=number,
        title=HOSTILE_TITLE,
        status=TicketStatus.OPEN,
        priority=TicketPriority.MEDIUM,
        source=TicketSource.EMAIL,
        department_id=department_id,
        contact_email=sender,
        created_at=now,
        updated_at=now,
    )
    inbound = InboundOrigin(
        message_id=f"<{uuid.uuid4()}@customer.example>", from_address=sender, automatic=automatic
    )
    return TicketCreated.build(
        source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket, inbound=inbound)
    )


async def _handle(mail: Any, event: TicketCreated) -> None:
    await _handle_run(mail, [event])


async def _handle_run(mail: Any, events: list[TicketCreated]) -> None:
    """As the consumer applies a pulled run of events: one call, one transaction."""
    async with mail.app.sessions() as session, session.begin():
        await consumers.on_tickets_created(session, events)


async def _replies(mail: Any) -> list[dict[str, Any]]:
    rows = await mail.sql(
        "SELECT payload FROM mail.outbox WHERE event_type = 'mail_outbound_requested' ORDER BY id"
    )
    return [orjson.loads(row["payload"])["data"] for row in rows]


async def _decision(mail: Any, event: TicketCreated) -> Any:
    [row] = await mail.sql("SELECT * FROM mail.auto_replies WHERE ticket_id = $1", event.data.ticket.id)
    return row


async def test_a_new_ticket_from_a_person_is_answered_once_threaded_and_escaped(mail: Any) -> None:
    department_id = await _mailbox(mail)
    event = _created(department_id, sender="wile@acme.example")
    await _handle(mail, event)
    await _handle(mail, event)  # redelivered
    [reply] = await _replies(mail)
    number = event.data.ticket.number
    assert reply["to"] == ["wile@acme.example"] and reply["automatic"] is True
    assert reply["subject"] == f"Received: {HOSTILE_TITLE} ({number})", "a subject is text, not HTML"
    assert "<script>" not in reply["body_html"] and "&lt;script&gt;" in reply["body_html"]
    assert number in reply["body_text"] and reply["comment_id"] is None
    assert reply["in_reply_to"] == event.data.inbound.message_id  # type: ignore[union-attr]
    assert reply["references"] == [event.data.inbound.message_id]  # type: ignore[union-attr]
    decision = await _decision(mail, event)
    assert decision["message_id"] == reply["message_id"] and decision["skipped"] is None


async def test_no_auto_reply_to_a_machine_our_own_address_or_with_the_reply_off(mail: Any) -> None:
    department_id = await _mailbox(mail)
    machine = _created(
        department_id, sender="noreply@vendor.example", automatic="Auto-Submitted: auto-replied"
    )
    ours = _created(department_id, sender="DESK@ours.example")
    for event in (machine, ours):
        await _handle(mail, event)
    quiet_department = await _mailbox(mail, auto_reply_enabled=False)
    quiet = _created(quiet_department, sender="wile@acme.example")
    await _handle(mail, quiet)
    assert await _replies(mail) == []
    assert "machine (Auto-Submitted: auto-replied)" in (await _decision(mail, machine))["skipped"]
    assert "our own addresses" in (await _decision(mail, ours))["skipped"]
    assert "auto-reply is off" in (await _decision(mail, quiet))["skipped"]


async def test_one_sender_gets_at_most_the_daily_limit_of_auto_replies(mail: Any) -> None:
    department_id = await _mailbox(mail)
    limit = consumers.settings().mail_auto_replies_per_sender
    events = [_created(department_id, sender="Loop@bot.example") for _ in range(limit + 2)]
    for event in events:
        await _handle(mail, event)
    assert len(await _replies(mail)) == limit
    assert "in the last 24 hours already" in (await _decision(mail, events[-1]))["skipped"]
    other = _created(department_id, sender="someone@else.example")
    await _handle(mail, other)
    assert len(await _replies(mail)) == limit + 1, "the limit is per sender"


async def test_a_run_of_new_tickets_is_decided_as_one_after_another_would_be(mail: Any) -> None:
    """The daily limit counts the replies decided earlier in the same run, and a ticket answered in an
    earlier run (a redelivered event) gets no second reply."""
    department_id = await _mailbox(mail)
    limit = consumers.settings().mail_auto_replies_per_sender
    answered = _created(department_id, sender="first@acme.example")
    await _handle(mail, answered)
    loop = [_created(department_id, sender="loop@bot.example") for _ in range(limit + 2)]
    machine = _created(department_id, sender="daemon@vendor.example", automatic="Precedence: bulk")
    await _handle_run(mail, [answered, *loop, machine, _created(department_id, sender="Other@acme.example")])
    replies = await _replies(mail)
    assert [reply["to"] for reply in replies] == [
        ["first@acme.example"],
        *[["loop@bot.example"]] * limit,
        ["Other@acme.example"],
    ]
    assert "in the last 24 hours already" in (await _decision(mail, loop[-1]))["skipped"]
    assert "machine (Precedence: bulk)" in (await _decision(mail, machine))["skipped"]
