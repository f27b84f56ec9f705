"""Department e-mail notifications (issue 17, part 1) on the real database and bus: the settings API
(recipients checked one by one, 422 naming the bad address; the eight checkboxes; flags, module switch,
unknown departments), and the consumer of ticket events that queues one automatic
`mail_outbound_requested` per recipient in the outbox for each selected event, never twice for a
redelivered event, naming the ticket, the event, what changed and the console link, escaped."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.mail import MailOutboundRequested
from helpdesk_common.contracts.ticketing import DepartmentData, DepartmentRemoved, DepartmentSnapshot
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    AutoClosedData,
    CommentAdded,
    CommentAddedData,
    CommentSnapshot,
    FieldChange,
    SlaBreached,
    SlaTimerData,
    SlaWarning,
    TicketAssigned,
    TicketChangeData,
    TicketClosed,
    TicketUpdated,
)
from notifier.notifications import consumers as notification_consumers
from notifier.projections import departments_projection

MANAGER = ("tickets_enabled", "tickets_manage_departments")
EVENTS = (
    "ticket_created",
    "ticket_updated",
    "ticket_closed",
    "ticket_assigned",
    "comment_added",
    "sla_warning",
    "sla_breached",
    "auto_closed",
)
HOSTILE = '<b>Drucker</b> "brennt" & <script>alert(1)</script>'


def path(notifier: Any, department_id: uuid.UUID | None = None) -> str:
    return f"/departments/{department_id or notifier.department_id}/notifications"


async def save(notifier: Any, recipients: str, *events: str) -> dict[str, Any]:
    answer = await notifier.client.put(
        path(notifier),
        json={"recipients": recipients, "events": {name: True for name in events}},
        headers=notifier.app.as_operator(*MANAGER),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# The settings API


async def test_a_department_never_saved_notifies_nobody_and_saving_normalises(notifier: Any) -> None:
    headers = notifier.app.as_operator(*MANAGER)
    answer = await notifier.client.get(path(notifier), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "department_id": str(notifier.department_id),
        "recipients": "",
        "events": {name: False for name in EVENTS},
        "updated_at": None,
    }
    saved = await save(
        notifier, " ops@Example.COM ,lead@example.com,, OPS@example.com ", "ticket_created", "sla_breached"
    )
    # The domain lower-cased as email-validator normalises it, a repeat (any case) once, blanks passed over.
    assert saved["recipients"] == "ops@example.com, lead@example.com"
    assert [name for name, on in saved["events"].items() if on] == ["ticket_created", "sla_breached"]
    again = (await notifier.client.get(path(notifier), headers=headers)).json()
    assert again == saved and again["updated_at"] is not None
    cleared = await save(notifier, "")
    assert cleared["recipients"] == "" and not any(cleared["events"].values())


@pytest.mark.parametrize(
    "recipients, bad",
    [
        ("ops@example.com, not-an-address", "not-an-address"),
        ("ops@example.com, a@b@example.com", "a@b@example.com"),
        ("Ops <ops@example.com>", "Ops <ops@example.com>"),
        ("ops@exa mple.com", "ops@exa mple.com"),
        ("ops@example.com; lead@example.com", "ops@example.com; lead@example.com"),
    ],
)
async def test_a_bad_address_is_a_422_naming_it_under_recipients(
    notifier: Any, recipients: str, bad: str
) -> None:
    answer = await notifier.client.put(
        path(notifier), json={"recipients": recipients}, headers=notifier.app.as_operator(*MANAGER)
    )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "recipients"
    assert repr(bad) in error["message"]


async def test_an_unknown_checkbox_or_a_wrong_type_is_a_422_naming_it(notifier: Any) -> None:
    headers = notifier.app.as_operator(*MANAGER)
    answer = await notifier.client.put(
        path(notifier), json={"events": {"ticket_exploded": True}}, headers=headers
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "events.ticket_exploded"
    answer = await notifier.client.put(
        path(notifier), json={"recipients": ["a@example.com"]}, headers=headers
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "recipients"


async def test_flags_module_switch_and_unknown_departments(notifier: Any) -> None:
    body = {"recipients": "ops@example.com"}
    for flags, flag in [
        (("tickets_enabled",), "tickets_manage_departments"),
        (("tickets_enabled", "tickets_manage_webhooks"), "tickets_manage_departments"),
        (("tickets_manage_departments",), "tickets_enabled"),
    ]:
        headers = notifier.app.as_operator(*flags)
        for answer in (
            await notifier.client.get(path(notifier), headers=headers),
            await notifier.client.put(path(notifier), json=body, headers=headers),
        ):
            assert answer.status_code == 403 and answer.json()["flag"] == flag, answer.text
    headers = notifier.app.as_operator(*MANAGER)
    unknown = await notifier.client.get(path(notifier, uuid.uuid4()), headers=headers)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert (
        await notifier.client.put(path(notifier, uuid.uuid4()), json=body, headers=headers)
    ).status_code == 404
    await notifier.switch_module(False)
    answer = await notifier.client.get(path(notifier), headers=headers)
    assert answer.status_code == 403 and answer.json()["type"] == "urn:helpdesk:problem:module-disabled"


# The e-mails


@dataclass
class Mailer:
    """The notification consumer on the real bus in this process; the mails it queued, read from the
    notifier's outbox (no relay runs here, so they stay there)."""

    notifier: Any
    client: Client
    jetstream: JetStreamContext
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        notification_consumers.use_settings(self.notifier.settings)
        self.task = asyncio.create_task(
            notification_consumers.notifications_consumer.run(
                self.client, self.notifier.app.sessions, self.stop
            )
        )

    async def publish(self, event: Any, *, msg_id: str | None = None) -> None:
        await self.jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": msg_id or str(event.id)}
        )

    async def handled(self, *events: Any) -> None:
        """Until the consumer has applied these events (and published them before, in this order)."""
        for event in events:
            await self.publish(event)
        marker = events[-1]
        await eventually(
            lambda: self.notifier.sql(
                "SELECT 1 FROM inbox WHERE consumer = 'notifier-notifications' AND event_id = :id",
                id=marker.id,
            ),
            what=f"{marker.type} handled",
        )

    async def mails(self) -> list[MailOutboundRequested]:
        rows = await self.notifier.sql(
            "SELECT payload FROM outbox WHERE event_type = 'mail_outbound_requested' ORDER BY id"
        )
        return [MailOutboundRequested.model_validate_json(row.payload) for row in rows]


async def eventually(check: Any, *, within: float = 20.0, what: str = "") -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await check()
        if answer:
            return answer
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def mailer(notifier: Any, jetstream: JetStreamContext) -> AsyncIterator[Mailer]:
    client = await nats.connect(notifier.settings.nats_url)
    await ensure_consumer(client.jetstream(), notification_consumers.notifications_consumer.spec)
    running = Mailer(notifier, client, client.jetstream())
    running.start()
    try:
        yield running
    finally:
        running.stop.set()
        if running.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(running.task, 15)
        await client.close()


def every_event(created: Any) -> dict[str, Any]:
    """One event of each of the eight kinds, about the same ticket."""
    ticket = created.data.ticket
    due = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)

    def changed(contract: Any, **changes: tuple[Any, Any]) -> Any:
        data = TicketChangeData(
            ticket=ticket,
            changes={name: FieldChange(old=old, new=new) for name, (old, new) in changes.items()},
        )
        return contract.build(source="ticketing", subject=str(ticket.id), data=data)

    def timer(contract: Any) -> Any:
        data = SlaTimerData(ticket=ticket, sla_id=uuid.uuid4(), deadline="resolution", due_at=due)
        return contract.build(source="sla-engine", subject=str(ticket.id), data=data)

    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction="inbound",
        author_id=None,
        author_name="Grace <Customer>",
        body_text="The printer is <b>still</b> on fire.\nSecond line & more.",
        body_html="<p>The printer is still on fire.</p>",
        created_at=due,
    )
    return {
        "ticket_created": created,
        "ticket_updated": changed(TicketUpdated, status=("open", "in_progress"), title=("Old", HOSTILE)),
        "ticket_closed": changed(TicketClosed, status=("resolved", "closed")),
        "ticket_assigned": changed(TicketAssigned, assignee_id=(None, str(uuid.uuid4()))),
        "comment_added": CommentAdded.build(
            source="ticketing", subject=str(ticket.id), data=CommentAddedData(ticket=ticket, comment=comment)
        ),
        "sla_warning": timer(SlaWarning),
        "sla_breached": timer(SlaBreached),
        "auto_closed": AutoClosed.build(
            source="ticketing",
            subject=str(ticket.id),
            data=AutoClosedData(ticket=ticket, inactive_days=14, note="Closed for <inactivity>."),
        ),
    }


@pytest.mark.parametrize("selected", EVENTS)
async def test_each_selected_event_is_one_mail_per_recipient_and_the_others_none(
    notifier: Any, mailer: Mailer, new_ticket_created: Any, selected: str
) -> None:
    await save(notifier, "ops@example.com, lead@example.com", selected)
    events = every_event(new_ticket_created(notifier.department_id))
    await mailer.handled(*events.values())
    mails = await mailer.mails()
    assert sorted(mail.data.to[0] for mail in mails) == ["lead@example.com", "ops@example.com"]
    assert all(len(mail.data.to) == 1 for mail in mails)
    ticket = events[selected].data.ticket
    for mail in mails:
        assert mail.bus_subject() == f"mail.outbound.{notifier.department_id}"
        assert mail.data.automatic and mail.data.comment_id is None
        assert mail.data.ticket_id == ticket.id and mail.data.ticket_number == "TKT-1042"
        assert mail.data.message_id == f"<notification.{mail.id}@helpdesk>"
    assert len({mail.data.message_id for mail in mails}) == 2


async def test_several_events_all_selected_in_one_run(
    notifier: Any, mailer: Mailer, new_ticket_created: Any
) -> None:
    await save(notifier, "ops@example.com, lead@example.com, boss@example.com", *EVENTS)
    await mailer.handled(*every_event(new_ticket_created(notifier.department_id)).values())
    mails = await mailer.mails()
    assert len(mails) == 8 * 3
    assert len({mail.data.message_id for mail in mails}) == 24


async def test_nothing_is_sent_without_recipients_events_or_department(
    notifier: Any, mailer: Mailer, new_ticket_created: Any
) -> None:
    # Events selected but nobody listed; a department never saved; a ticket in no department.
    await save(notifier, "", *EVENTS)
    silent = await notifier.department_known("Silent")
    await mailer.handled(
        *every_event(new_ticket_created(notifier.department_id)).values(),
        *every_event(new_ticket_created(silent)).values(),
        new_ticket_created(None),
    )
    # Recipients listed and no event selected.
    await save(notifier, "ops@example.com")
    await mailer.handled(*every_event(new_ticket_created(notifier.department_id)).values())
    assert await mailer.mails() == []


async def test_a_redelivered_event_sends_nothing_twice(
    notifier: Any, mailer: Mailer, new_ticket_created: Any
) -> None:
    await save(notifier, "ops@example.com, lead@example.com", "ticket_created", "sla_warning")
    events = every_event(new_ticket_created(notifier.department_id))
    created = events["ticket_created"]
    await mailer.handled(created)
    first = await mailer.mails()
    assert len(first) == 2
    # Past JetStream's duplicate window (another Nats-Msg-Id): the inbox is what stops it.
    await mailer.publish(created, msg_id=f"again-{uuid.uuid4()}")
    await mailer.handled(events["sla_warning"])
    mails = await mailer.mails()
    assert len(mails) == 4
    assert [mail.data.message_id for mail in mails[:2]] == [mail.data.message_id for mail in first]
    assert {mail.data.subject.split("]")[1].split(":")[0].strip() for mail in mails[2:]} == {"SLA warning"}


async def test_the_mail_of_a_handled_event_is_the_same_mail_if_made_again(
    notifier: Any, new_ticket_created: Any
) -> None:
    """Should an event get past the inbox (pruned after its retention), the copy carries the same event
    id and Message-ID, which JetStream and the mail gateway's unique Message-ID drop."""
    await save(notifier, "ops@example.com", "ticket_created")
    created = new_ticket_created(notifier.department_id)
    for _ in range(2):
        async with notifier.app.sessions() as session, session.begin():
            await notification_consumers.on_ticket_events(session, [created])
    first, second = [
        MailOutboundRequested.model_validate_json(row.payload)
        for row in await notifier.sql("SELECT payload FROM outbox ORDER BY id")
    ]
    assert first.id == second.id and first.data.message_id == second.data.message_id


async def test_the_mail_names_the_ticket_the_event_the_change_and_links_it_escaped(
    notifier: Any, mailer: Mailer, new_ticket_created: Any
) -> None:
    await save(notifier, "ops@example.com", *EVENTS)
    events = every_event(new_ticket_created(notifier.department_id, title=HOSTILE, contact_name="Grace"))
    await mailer.handled(*events.values())
    by_event = {name: mail.data for name, mail in zip(EVENTS, await mailer.mails(), strict=True)}
    link = "https://desk.example.com/tickets/TKT-1042"
    titles = {
        "ticket_created": "Ticket created",
        "ticket_updated": "Ticket updated",
        "ticket_closed": "Ticket closed",
        "ticket_assigned": "Ticket assigned",
        "comment_added": "Comment added",
        "sla_warning": "SLA warning",
        "sla_breached": "SLA breached",
        "auto_closed": "Ticket auto-closed",
    }
    for name, mail in by_event.items():
        # The subject keeps the title as written (a header, not markup), on one line.
        assert mail.subject == f"[TKT-1042] {titles[name]}: {HOSTILE}"
        for body in (mail.body_text, mail.body_html):
            assert "TKT-1042" in body and titles[name] in body and link in body
        assert f'href="{link}"' in mail.body_html
        # Markup from the ticket is text in the HTML, never a tag.
        assert "<script" not in mail.body_html and "<b>Drucker" not in mail.body_html
        assert '&lt;b&gt;Drucker&lt;/b&gt; "brennt" &amp; &lt;script&gt;' in mail.body_html
        assert HOSTILE in mail.body_text
        assert 'Support "EU"' in mail.body_text
    assert "Status: open → in_progress" in by_event["ticket_updated"].body_text
    assert f"Title: Old → {HOSTILE}" in by_event["ticket_updated"].body_text
    assert "Status: resolved → closed" in by_event["ticket_closed"].body_text
    assert "Assigned to: ada (was unassigned)" in by_event["ticket_assigned"].body_text
    comment = by_event["comment_added"]
    assert "Customer message: by Grace <Customer>" in comment.body_text
    assert "The printer is <b>still</b> on fire." in comment.body_text
    assert "&lt;b&gt;still&lt;/b&gt;" in comment.body_html and "<b>still" not in comment.body_html
    assert "Resolution deadline: due 2026-12-02 16:30 UTC" in by_event["sla_warning"].body_text
    assert "Resolution deadline: was due 2026-12-02 16:30 UTC" in by_event["sla_breached"].body_text
    assert "Closed after: 14 days without activity" in by_event["auto_closed"].body_text
    assert "Note: Closed for <inactivity>." in by_event["auto_closed"].body_text
    assert "Contact: Grace" in by_event["ticket_created"].body_text


async def test_a_long_comment_is_cut_to_its_start(
    notifier: Any, mailer: Mailer, new_ticket_created: Any
) -> None:
    await save(notifier, "ops@example.com", "comment_added")
    created = new_ticket_created(notifier.department_id)
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction="internal",
        author_id=None,
        author_name="ada",
        body_text="start " + "x" * 5000 + " END",
        body_html="",
        created_at=datetime.now(UTC),
    )
    event = CommentAdded.build(
        source="ticketing", subject="t", data=CommentAddedData(ticket=created.data.ticket, comment=comment)
    )
    await mailer.handled(event)
    [mail] = await mailer.mails()
    assert "Internal note: by ada" in mail.data.body_text
    assert "start xxx" in mail.data.body_text and "END" not in mail.data.body_text
    assert len(mail.data.body_text) < 1500


async def test_a_removed_department_takes_its_settings_along(notifier: Any) -> None:
    await save(notifier, "ops@example.com", "ticket_created")
    removed = DepartmentRemoved.build(
        source="ticketing",
        subject=str(notifier.department_id),
        data=DepartmentData(
            department=DepartmentSnapshot(id=notifier.department_id, name="Gone", enabled=True)
        ),
    )
    async with notifier.app.sessions() as session, session.begin():
        await departments_projection.removed(session, removed)
    assert await notifier.sql("SELECT * FROM notification_settings") == []
    answer = await notifier.client.get(path(notifier), headers=notifier.app.as_operator(*MANAGER))
    assert answer.status_code == 404
