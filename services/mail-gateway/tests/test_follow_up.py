"""The follow-up reminder (seed 10.10; issue 16, part 6): once per ticket when the customer has been
silent for the department's days since our last outbound reply; not when they answered, not on a
closed ticket, not twice however many sweeps run at once; an older ticket event changes nothing. The
conversation comes through the real consumer handlers; the sweep takes a controllable `now`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from helpdesk_common.contracts.tickets import (
    CommentAdded,
    CommentAddedData,
    CommentDirection,
    CommentSnapshot,
    TicketChangeData,
    TicketClosed,
    TicketPriority,
    TicketSnapshot,
    TicketSource,
    TicketStatus,
    TicketUpdated,
)
from mail_gateway.replies import consumers
from mail_gateway.replies.follow_ups import remind_due

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _mailbox(mail: Any, **changes: Any) -> uuid.UUID:
    department_id: uuid.UUID = await mail.department_known()
    body = {
        "from_address": "desk@ours.example",
        "follow_up_enabled": True,
        "follow_up_after_days": 3,
        "follow_up_subject": "Any news on {{subject}}?",
        "follow_up_body_html": "<p>We are still waiting to hear from you about {{ticket_number}}.</p>",
        **changes,
    }
    saved = await mail.client.put(f"/departments/{department_id}/mailbox", json=body, headers=mail.manager())
    assert saved.status_code == 200, saved.text
    return department_id


def _ticket(
    department_id: uuid.UUID, *, status: TicketStatus = TicketStatus.OPEN, at: datetime = T0
) -> TicketSnapshot:
    return TicketSnapshot(
        id=uuid.uuid4(),
        number=f"TKT-{uuid.uuid4().int % 1_000_000:06d}",
        title="Printer on fire",
        status=status,
        priority=TicketPriority.MEDIUM,
        source=TicketSource.EMAIL,
        department_id=department_id,
        contact_email="wile@acme.example",
        created_at=T0,
        updated_at=at,
    )


async def _said(mail: Any, ticket: TicketSnapshot, direction: CommentDirection, at: datetime) -> None:
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction=direction,
        author_id=None,
        author_name="x",
        body_text="x",
        body_html="x",
        created_at=at,
    )
    snapshot = ticket.model_copy(update={"updated_at": at})
    event = CommentAdded.build(
        source="ticketing", subject=str(ticket.id), data=CommentAddedData(ticket=snapshot, comment=comment)
    )
    async with mail.app.sessions() as session, session.begin():
        await consumers.on_comment_added(session, event)


async def _changed(mail: Any, event: Any) -> None:
    async with mail.app.sessions() as session, session.begin():
        await consumers.on_tickets_changed(session, [event])


async def _reminders(mail: Any) -> list[dict[str, Any]]:
    rows = await mail.sql(
        "SELECT payload FROM mail.outbox WHERE event_type = 'mail_outbound_requested' ORDER BY id"
    )
    return [orjson.loads(row["payload"])["data"] for row in rows]


async def test_a_silent_customer_is_reminded_once_after_the_departments_days(mail: Any) -> None:
    ticket = _ticket(await _mailbox(mail))
    await _said(mail, ticket, CommentDirection.INBOUND, T0)
    await _said(mail, ticket, CommentDirection.OUTBOUND, T0 + timedelta(hours=1))
    assert await remind_due(mail.app.sessions, now=T0 + timedelta(days=3)) == 0, "not yet three days"
    assert await remind_due(mail.app.sessions, now=T0 + timedelta(days=3, hours=2)) == 1
    assert await remind_due(mail.app.sessions, now=T0 + timedelta(days=9)) == 0, "once per ticket"
    [reminder] = await _reminders(mail)
    assert reminder["to"] == ["wile@acme.example"] and reminder["automatic"] is True
    assert reminder["subject"] == f"[{ticket.number}] Any news on Printer on fire?"
    assert ticket.number in reminder["body_text"]


async def test_no_reminder_when_the_customer_answered_or_the_ticket_closed(mail: Any) -> None:
    department_id = await _mailbox(mail)
    answered = _ticket(department_id)
    await _said(mail, answered, CommentDirection.OUTBOUND, T0)
    await _said(mail, answered, CommentDirection.INBOUND, T0 + timedelta(days=1))
    closed = _ticket(department_id)
    await _said(mail, closed, CommentDirection.OUTBOUND, T0)
    closing = closed.model_copy(update={"status": TicketStatus.CLOSED, "updated_at": T0 + timedelta(hours=2)})
    await _changed(
        mail, TicketClosed.build(source="ticketing", subject="x", data=TicketChangeData(ticket=closing))
    )
    # An older event, handled late, does not reopen it here.
    older = closed.model_copy(update={"updated_at": T0 + timedelta(hours=1)})
    await _changed(
        mail, TicketUpdated.build(source="ticketing", subject="x", data=TicketChangeData(ticket=older))
    )
    switched_off = _ticket(await _mailbox(mail, follow_up_enabled=False))
    await _said(mail, switched_off, CommentDirection.OUTBOUND, T0)
    assert await remind_due(mail.app.sessions, now=T0 + timedelta(days=30)) == 0
    [row] = await mail.sql("SELECT status FROM mail.follow_ups WHERE ticket_id = $1", closed.id)
    assert row["status"] == "closed"


async def test_sweeps_running_at_once_remind_each_ticket_once(mail: Any) -> None:
    department_id = await _mailbox(mail)
    tickets = [_ticket(department_id) for _ in range(30)]
    for ticket in tickets:
        await _said(mail, ticket, CommentDirection.OUTBOUND, T0)
    later = T0 + timedelta(days=4)
    sent = await asyncio.gather(*(remind_due(mail.app.sessions, now=later, batch_size=7) for _ in range(3)))
    assert sum(sent) == 30
    reminded = sorted(reminder["ticket_id"] for reminder in await _reminders(mail))
    assert reminded == sorted(str(ticket.id) for ticket in tickets)


async def test_a_run_of_changes_keeps_each_ticket_s_newest_whatever_their_order(mail: Any) -> None:
    department_id = await _mailbox(mail)
    first, second = _ticket(department_id), _ticket(department_id)
    closing = first.model_copy(update={"status": TicketStatus.CLOSED, "updated_at": T0 + timedelta(hours=2)})
    older = first.model_copy(update={"status": TicketStatus.WAITING, "updated_at": T0 + timedelta(hours=1)})
    run = [
        TicketClosed.build(source="ticketing", subject="x", data=TicketChangeData(ticket=closing)),
        TicketUpdated.build(source="ticketing", subject="x", data=TicketChangeData(ticket=older)),
        TicketUpdated.build(source="ticketing", subject="x", data=TicketChangeData(ticket=second)),
    ]
    async with mail.app.sessions() as session, session.begin():
        await consumers.on_tickets_changed(session, run)
    rows = await mail.sql(
        "SELECT ticket_id, status FROM mail.follow_ups WHERE department_id = $1", department_id
    )
    assert {row["ticket_id"]: row["status"] for row in rows} == {first.id: "closed", second.id: "open"}
