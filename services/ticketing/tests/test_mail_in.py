"""Email in (issue 5, part 5): replies thread onto tickets and reopen them; new mail makes tickets."""

from __future__ import annotations

import logging
import uuid

import pytest

from helpdesk_common.contracts.mail import InboundMail
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department, outbox
from ticketing.mail_in.service import receive


async def deliver(ticketing_app: Ticketing, **fields: object) -> uuid.UUID | None:
    mail = InboundMail.model_validate(
        {"message_id": f"<{uuid.uuid4()}@mail.example>", "from_address": "wile@acme.example", **fields}
    )
    async with ticketing_app.session_factory() as session, session.begin():
        return await receive(session, mail)


async def test_a_new_message_creates_an_email_ticket_with_the_customers_prefix_and_a_known_contact(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    acme = (
        await ticketing_app.client.post(
            "/customers", json={"company_name": "Acme", "ticket_number_prefix": "ACME"}, headers=headers
        )
    ).json()
    await ticketing_app.client.post(
        "/contacts", json={"email": "wile@acme.example", "customer_id": acme["id"]}, headers=headers
    )

    await deliver(
        ticketing_app,
        department_id=desk["id"],
        subject="Anvil fell",
        from_name="Wile E. Coyote",
        body_html="<p>Help <script>x()</script></p>",
        blocked_attachments=["payload.exe", "run.BAT"],
        attachments=[
            {"name": "screen.png", "content_type": "image/png", "size": 2048, "object_name": "mail/abc"}
        ],
    )
    queue = (await ticketing_app.client.get("/", headers=headers)).json()
    [row] = queue["rows"]
    assert row["number"] == "ACME-000001" and row["title"] == "Anvil fell"
    ticket = (await ticketing_app.client.get(f"/{row['number']}", headers=headers)).json()
    assert ticket["source"] == "email" and ticket["department"]["id"] == desk["id"]
    assert ticket["customer"]["name"] == "Acme" and ticket["last_contact"]["direction"] == "inbound"
    conversation = (await ticketing_app.client.get(f"/{row['number']}/comments", headers=headers)).json()
    assert [(c["direction"], c["author_name"]) for c in conversation] == [
        ("inbound", "Wile E. Coyote"),
        ("internal", "system"),
    ]
    assert "script" not in conversation[0]["body_html"]
    assert "payload.exe" in conversation[1]["body_text"] and "run.BAT" in conversation[1]["body_text"]
    [created] = await outbox(ticketing_app, "ticket_created")
    assert created["data"]["ticket"]["source"] == "email"
    # What the mail gateway's auto-reply answers: the message, its sender, and that a person sent it.
    inbound = created["data"]["inbound"]
    assert inbound["from_address"] == "wile@acme.example" and inbound["message_id"].endswith("@mail.example>")
    assert inbound["automatic"] is None
    attachments = (await ticketing_app.client.get(f"/{row['number']}/attachments", headers=headers)).json()
    assert [(a["name"], a["origin"], a["size"]) for a in attachments] == [("screen.png", "email", 2048)]


async def test_an_unknown_sender_becomes_a_contact_and_the_same_message_twice_makes_one_ticket(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    fields = {
        "message_id": "<once@mail.example>",
        "department_id": desk["id"],
        "from_address": "Road.Runner@Desert.example",
        "from_name": "Road Runner",
        "subject": "Beep beep",
        "body_text": "Meep.",
    }
    first = await deliver(ticketing_app, **fields)
    again = await deliver(ticketing_app, **fields)
    assert first is not None and again is None
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == 1
    contacts = (
        await ticketing_app.client.get("/contacts", params={"search": "runner"}, headers=headers)
    ).json()
    assert [(c["first_name"], c["last_name"], c["email"]) for c in contacts] == [
        ("Road", "Runner", "Road.Runner@Desert.example")
    ]


async def test_a_reply_threads_by_number_or_by_references_and_reopens_a_closed_ticket(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    number = (
        await ticketing_app.client.post(
            "/",
            json={"title": "Login", "department_id": desk["id"], "contact_email": "user@example.com"},
            headers=headers,
        )
    ).json()["number"]
    await ticketing_app.client.post(
        f"/{number}/comments", json={"direction": "outbound", "body": "Try now"}, headers=headers
    )
    [sent] = [e["data"] for e in await outbox(ticketing_app, "mail_outbound_requested")]
    await ticketing_app.client.post(f"/{number}/close", json={}, headers=headers)

    await deliver(
        ticketing_app,
        department_id=desk["id"],
        from_address="user@example.com",
        subject="Re: something unrelated",
        in_reply_to=sent["message_id"],
        body_text="Still broken",
    )
    ticket = (await ticketing_app.client.get(f"/{number}", headers=headers)).json()
    assert ticket["status"] == "open", "a reply reopens a closed ticket"
    await ticketing_app.client.patch(f"/{number}", json={"status": "resolved"}, headers=headers)
    await deliver(
        ticketing_app,
        department_id=desk["id"],
        from_address="user@example.com",
        subject=f"RE: [{number.lower()}] Login",
        body_text="Thanks",
    )
    assert (await ticketing_app.client.get(f"/{number}", headers=headers)).json()["status"] == "open"

    conversation = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    assert [c["direction"] for c in conversation] == ["outbound", "inbound", "inbound"]
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == 1
    history = (await ticketing_app.client.get(f"/{number}/history", headers=headers)).json()
    assert [(h["old_value"], h["new_value"]) for h in history if h["field"] == "status"] == [
        ("open", "closed"),
        ("closed", "open"),
        ("open", "resolved"),
        ("resolved", "open"),
    ]


async def test_an_email_ticket_is_made_by_the_same_rules_as_any_other(ticketing_app: Ticketing) -> None:
    """One creation path: the SLA's priority floor, the customer's prefix, search, history, and a
    mailbox department that has gone leaves the ticket unsorted rather than losing the mail."""
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    gold = await ticketing_app.sla_known("Gold", priority_override="high")
    acme = await ticketing_app.client.post(
        "/customers",
        json={"company_name": "Acme", "ticket_number_prefix": "ACME", "sla_id": str(gold)},
        headers=headers,
    )
    await ticketing_app.client.post(
        "/contacts", json={"email": "wile@acme.example", "customer_id": acme.json()["id"]}, headers=headers
    )
    await deliver(ticketing_app, department_id=str(uuid.uuid4()), subject="Anvil fell", body_text="Help")

    [row] = (await ticketing_app.client.get("/", params={"search": "wile@acme"}, headers=headers)).json()[
        "rows"
    ]
    ticket = (await ticketing_app.client.get(f"/{row['number']}", headers=headers)).json()
    assert ticket["priority"] == "high", "the SLA's Priority Override is the floor of an e-mail ticket too"
    assert ticket["number"] == "ACME-000001" and ticket["sla"]["sla_id"] == str(gold)
    assert ticket["department"] is None and ticket["source"] == "email"
    history = (await ticketing_app.client.get(f"/{row['number']}/history", headers=headers)).json()
    assert [(h["field"], h["actor_name"]) for h in history] == [
        ("created", "wile@acme.example"),
        ("comment", "wile@acme.example"),
    ]


async def test_a_bounce_is_a_note_on_the_ticket_of_the_failed_message_and_makes_no_ticket_or_contact(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    number = (
        await ticketing_app.client.post(
            "/",
            json={"title": "VPN", "department_id": desk["id"], "contact_email": "gone@customer.example"},
            headers=headers,
        )
    ).json()["number"]
    await ticketing_app.client.post(
        f"/{number}/comments", json={"direction": "outbound", "body": "Try now"}, headers=headers
    )
    [sent] = [e["data"] for e in await outbox(ticketing_app, "mail_outbound_requested")]
    contacts_before = await ticketing_app.sql("SELECT id FROM ticketing.contacts")
    bounce = {
        "message_id": "<bounce-1@mx.customer.example>",
        "department_id": desk["id"],
        "from_address": "MAILER-DAEMON@mx.customer.example",
        "subject": "Undelivered Mail Returned to Sender",
        "body_text": "Sorry.",
        "automatic": "sender mailer-daemon@mx.customer.example",
        "bounce": {
            "recipient": "gone@customer.example",
            "status": "5.1.1",
            "diagnostic": "550 5.1.1 <gone@customer.example>: User unknown",
            "original_message_id": sent["message_id"],
        },
    }
    landed = await deliver(ticketing_app, **bounce)
    again = await deliver(ticketing_app, **bounce)

    ticket = (await ticketing_app.client.get(f"/{number}", headers=headers)).json()
    assert landed == uuid.UUID(ticket["id"]) and again is None
    conversation = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    [note] = [c for c in conversation if c["direction"] == "internal"]
    assert note["author_name"] == "system"
    assert "gone@customer.example" in note["body_text"] and "5.1.1" in note["body_text"]
    assert "550 5.1.1 <gone@customer.example>: User unknown" in note["body_text"]
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == 1
    assert await ticketing_app.sql("SELECT id FROM ticketing.contacts") == contacts_before
    assert [e["data"]["comment"]["direction"] for e in await outbox(ticketing_app, "comment_added")][
        -1
    ] == "internal"


async def test_a_bounce_for_no_known_ticket_is_dropped_with_a_log_line(
    ticketing_app: Ticketing, caplog: pytest.LogCaptureFixture
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    with caplog.at_level(logging.INFO, logger="ticketing.mail_in.service"):
        landed = await deliver(
            ticketing_app,
            department_id=desk["id"],
            from_address="postmaster@elsewhere.example",
            subject="Delivery failure",
            bounce={"recipient": "x@elsewhere.example", "original_message_id": "<never-sent@ours.example>"},
        )
    assert landed is None
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == 0
    assert await ticketing_app.sql("SELECT id FROM ticketing.contacts") == []
    assert any("<never-sent@ours.example>" in record.getMessage() for record in caplog.records)


async def test_a_sender_flooding_a_mailbox_fills_one_ticket_not_the_queue(ticketing_app: Ticketing) -> None:
    """Past the hour's limit of new tickets, a sender's further mail lands on their newest ticket."""
    from ticketing.mail_in.service import NEW_TICKETS_PER_SENDER_PER_HOUR

    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    for index in range(NEW_TICKETS_PER_SENDER_PER_HOUR + 5):
        await deliver(
            ticketing_app, department_id=desk["id"], subject=f"Storm {index}", body_text=f"n{index}"
        )
    queue = (await ticketing_app.client.get("/", params={"tab": "all", "limit": 200}, headers=headers)).json()
    assert queue["counts"]["all"] == NEW_TICKETS_PER_SENDER_PER_HOUR
    newest = queue["rows"][0]["number"]
    conversation = (await ticketing_app.client.get(f"/{newest}/comments", headers=headers)).json()
    inbound = [c["body_text"] for c in conversation if c["direction"] == "inbound"]
    assert len(inbound) == 6, "the newest ticket's own message and the five past the limit, none lost"
    other = await deliver(
        ticketing_app, department_id=desk["id"], subject="Hello", from_address="other@acme.example"
    )
    assert other is not None
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == (NEW_TICKETS_PER_SENDER_PER_HOUR + 1), "the limit is per sender"


async def test_a_run_of_messages_is_applied_as_one_after_another_would_be(ticketing_app: Ticketing) -> None:
    """The consumer applies a pulled run at once (`receive_many`): the same message twice in the run
    lands once, a reply threads onto a ticket opened earlier in the same run, one new sender becomes
    one contact, the flood limit counts the tickets the run itself opened, and the tickets a run opens
    together are numbered in its order."""
    from ticketing.mail_in.service import NEW_TICKETS_PER_SENDER_PER_HOUR, receive_many

    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")

    def mail(message_id: str, sender: str, subject: str, **fields: object) -> InboundMail:
        return InboundMail.model_validate(
            {
                "message_id": message_id,
                "department_id": desk["id"],
                "from_address": sender,
                "from_name": "Coyote Wile",
                "subject": subject,
                "body_text": subject,
                **fields,
            }
        )

    storm = [
        mail(f"<storm{index}@acme.example>", "storm@acme.example", f"Storm {index}")
        for index in range(NEW_TICKETS_PER_SENDER_PER_HOUR + 3)
    ]
    run = [
        mail("<first@acme.example>", "Coyote@Acme.example", "Rocket skates"),
        mail("<first@acme.example>", "Coyote@Acme.example", "Rocket skates"),
        mail("<second@acme.example>", "coyote@acme.example", "Anvil"),
        mail(
            "<reply@acme.example>",
            "coyote@acme.example",
            "Re: Rocket skates",
            in_reply_to="<first@acme.example>",
            references=["<first@acme.example>"],
        ),
        *storm,
    ]
    async with ticketing_app.session_factory() as session, session.begin():
        landed = await receive_many(session, run)

    first, twice, second, reply, *stormed = landed
    assert first is not None and twice is None and second not in (None, first)
    assert reply == first, "the reply threads onto the ticket the run opened"
    assert len(set(stormed)) == NEW_TICKETS_PER_SENDER_PER_HOUR
    assert stormed[-3:] == [stormed[NEW_TICKETS_PER_SENDER_PER_HOUR - 1]] * 3, "onto the newest"
    queue = (await ticketing_app.client.get("/", params={"tab": "all", "limit": 200}, headers=headers)).json()
    assert queue["counts"]["all"] == 2 + NEW_TICKETS_PER_SENDER_PER_HOUR
    numbers = {row["id"]: row["number"] for row in queue["rows"]}
    opened = [str(ticket_id) for ticket_id in dict.fromkeys([first, second, *stormed])]
    in_order = [numbers[ticket_id] for ticket_id in opened]
    assert in_order == sorted(in_order), "the run's tickets are numbered in the order their mail came"
    coyotes = (
        await ticketing_app.client.get("/contacts", params={"search": "coyote@"}, headers=headers)
    ).json()
    assert [c["email"] for c in coyotes] == ["Coyote@Acme.example"]
    number = next(row["number"] for row in queue["rows"] if row["title"] == "Rocket skates")
    conversation = (await ticketing_app.client.get(f"/{number}/comments", headers=headers)).json()
    assert [c["body_text"] for c in conversation if c["direction"] == "inbound"] == [
        "Rocket skates",
        "Re: Rocket skates",
    ]
