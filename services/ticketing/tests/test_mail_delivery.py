"""Outbound replies and their e-mail (issue 16, part 5): files uploaded first go out with the reply,
and the mail gateway's `mail_delivery_changed` events, consumed from the real bus through the inbox,
become the comment's `delivery` in the conversation read, a late older event never undoing a newer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from nats.js import JetStreamContext

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.mail import MailDelivery, MailDeliveryChanged
from helpdesk_common.testing.infrastructure import TestServers
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department, outbox
from tests.backbone.harness import eventually
from ticketing.mail_out.consumers import mail_delivery_consumer


async def outbound_ticket(ticketing_app: Ticketing) -> tuple[str, dict[str, Any]]:
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Desk")
    created = await ticketing_app.client.post(
        "/",
        json={"title": "Invoice", "department_id": desk["id"], "contact_email": "ann@example.com"},
        headers=ticketing_app.as_operator(*ADMIN),
    )
    return created.json()["number"], desk


async def upload(ticketing_app: Ticketing, number: str, name: str, content: bytes, kind: str) -> str:
    response = await ticketing_app.client.post(
        f"/{number}/attachments",
        params={"name": name},
        content=content,
        headers={**ticketing_app.as_operator(*ADMIN), "content-type": kind},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_files_uploaded_before_an_outbound_reply_go_out_with_it(ticketing_app: Ticketing) -> None:
    number, _ = await outbound_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN)
    invoice = await upload(ticketing_app, number, "invoice.pdf", b"%PDF-1.7", "application/pdf")
    photo = await upload(ticketing_app, number, "photo.png", b"\x89PNG", "image/png")

    reply = await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "outbound", "body": "Here you are.", "attachment_ids": [photo, invoice]},
        headers=headers,
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["delivery"]["state"] == "queued"
    [mail] = [event["data"] for event in await outbox(ticketing_app, "mail_outbound_requested")]
    assert [(a["name"], a["content_type"], a["size"]) for a in mail["attachments"]] == [
        ("photo.png", "image/png", 4),
        ("invoice.pdf", "application/pdf", 8),
    ]
    # Where the upload stored the bytes (attachments/service.py), for the mail gateway to read.
    assert [a["object_name"] for a in mail["attachments"]] == [
        f"{mail['ticket_id']}/{photo}",
        f"{mail['ticket_id']}/{invoice}",
    ]
    files = (await ticketing_app.client.get(f"/{number}/attachments", headers=headers)).json()
    assert {(file["comment_id"], file["origin"]) for file in files} == {(reply.json()["id"], "comment")}

    again = await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "outbound", "body": "Once more.", "attachment_ids": [invoice]},
        headers=headers,
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "attachment_ids"
    unknown = await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "internal", "body": "Note", "attachment_ids": [str(uuid.uuid4())]},
        headers=headers,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "attachment_ids"
    conversation = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    assert len(conversation) == 1, "a refused comment is not added"


async def test_the_delivery_state_reaches_the_comment_read_and_an_older_event_changes_nothing(
    ticketing_app: Ticketing, servers: TestServers, jetstream: JetStreamContext
) -> None:
    number, desk = await outbound_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN)
    reply = await ticketing_app.client.post(
        f"/{number}/comments", json={"direction": "outbound", "body": "On its way."}, headers=headers
    )
    note = await ticketing_app.client.post(
        f"/{number}/comments", json={"direction": "internal", "body": "Watch it."}, headers=headers
    )
    [mail] = [event["data"] for event in await outbox(ticketing_app, "mail_outbound_requested")]
    start = datetime.now(UTC)

    def changed(state: str, revision: int, detail: str = "") -> MailDeliveryChanged:
        return MailDeliveryChanged.build(
            source="mail-gateway",
            subject=str(uuid.uuid4()),
            data=MailDelivery(
                department_id=desk["id"],
                ticket_id=mail["ticket_id"],
                comment_id=reply.json()["id"],
                message_id=mail["message_id"],
                state=state,  # type: ignore[arg-type]
                detail=detail,
                attempts=revision // 2,
                revision=revision,
                at=start + timedelta(seconds=revision),
            ),
        )

    client = await nats.connect(servers.nats_url)
    stop = asyncio.Event()
    await ensure_consumer(client.jetstream(), mail_delivery_consumer.spec)
    consuming = asyncio.create_task(mail_delivery_consumer.run(client, ticketing_app.session_factory, stop))
    try:

        async def delivery() -> dict[str, Any] | None:
            conversation = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
            by_id = {comment["id"]: comment for comment in conversation}
            assert by_id[note.json()["id"]]["delivery"] is None
            return by_id[reply.json()["id"]]["delivery"]  # type: ignore[no-any-return]

        retrying = changed("retrying", 3, "data: 451 4.7.1 Greylisted")
        for event in (changed("queued", 1), changed("sending", 2), retrying):
            await jetstream.publish(
                event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )

        async def retrying_shown() -> bool:
            found = await delivery()
            return found is not None and found["state"] == "retrying"

        await eventually(retrying_shown, within=15, what="the retrying state on the comment")
        assert await delivery() == {
            "state": "retrying",
            "detail": "data: 451 4.7.1 Greylisted",
            "updated_at": (start + timedelta(seconds=3)).isoformat().replace("+00:00", "Z"),
        }

        sent = changed("sent", 5, "250 2.0.0 OK")
        late = changed("sending", 4)
        for event in (sent, late):
            await jetstream.publish(
                event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )

        async def sent_shown() -> bool:
            found = await delivery()
            return found is not None and found["state"] == "sent"

        await eventually(sent_shown, within=15, what="the sent state on the comment")

        # The late `sending` (revision 4) came after `sent` (5): handled (in the inbox), changing nothing.
        async def late_handled() -> bool:
            rows = await ticketing_app.sql(
                f"SELECT count(*) AS n FROM ticketing.inbox WHERE event_id = '{late.id}'"
            )
            return bool(rows[0]["n"])

        await eventually(late_handled, within=15, what="the late event to be handled")
        found = await delivery()
        assert found is not None and (found["state"], found["detail"]) == ("sent", "250 2.0.0 OK")
    finally:
        stop.set()
        await consuming
        await client.close()


async def test_a_notification_mails_delivery_changes_no_comment_and_adds_none(
    ticketing_app: Ticketing, servers: TestServers, jetstream: JetStreamContext
) -> None:
    """The notifier's e-mails (comment_id null) are reported on the same subject as replies: they are
    no operator's reply and never become a comment or a delivery state on one."""
    number, desk = await outbound_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN)
    reply = await ticketing_app.client.post(
        f"/{number}/comments", json={"direction": "outbound", "body": "On its way."}, headers=headers
    )
    [mail] = [event["data"] for event in await outbox(ticketing_app, "mail_outbound_requested")]
    before = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    notification = MailDeliveryChanged.build(
        source="mail-gateway",
        subject=str(uuid.uuid4()),
        data=MailDelivery(
            department_id=desk["id"],
            ticket_id=mail["ticket_id"],
            comment_id=None,
            message_id=f"<notification.{uuid.uuid4()}@helpdesk>",
            state="failed",
            detail="550 5.1.1 no such user",
            attempts=1,
            revision=9,
            at=datetime.now(UTC),
        ),
    )
    client = await nats.connect(servers.nats_url)
    stop = asyncio.Event()
    await ensure_consumer(client.jetstream(), mail_delivery_consumer.spec)
    consuming = asyncio.create_task(mail_delivery_consumer.run(client, ticketing_app.session_factory, stop))
    try:
        await jetstream.publish(
            notification.bus_subject(), notification.to_json(), headers={"Nats-Msg-Id": str(notification.id)}
        )

        async def handled() -> bool:
            rows = await ticketing_app.sql(
                f"SELECT count(*) AS n FROM ticketing.inbox WHERE event_id = '{notification.id}'"
            )
            return bool(rows[0]["n"])

        await eventually(handled, within=15, what="the notification's delivery to be handled")
    finally:
        stop.set()
        await consuming
        await client.close()
    after = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    assert after == before
    assert [comment["id"] for comment in after if comment["direction"] == "outbound"] == [reply.json()["id"]]
    assert after[-1]["delivery"]["state"] == "queued"
