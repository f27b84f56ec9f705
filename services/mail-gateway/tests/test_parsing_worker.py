"""The parser role end to end on the real bus and database (issue 16, part 3): store_raw, its
mail_stored on the bus, parsed by the consumer, mail_inbound_received out with the attachments in the
object store; a poison message kept whole as failed with a dead letter while the next one is parsed,
and retried by an administrator once the limit is raised; a redelivery changes nothing twice. And
every message of CPython's e-mail test data through the same path."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
import test as cpython_tests

from helpdesk_common.contracts.mail import OutboundMail
from mail_gateway.inbound.store import stored_event
from mail_gateway.sending.service import queue
from tests.backbone.harness import eventually

CPYTHON_EMAIL_DATA = Path(cpython_tests.__file__).parent / "test_email" / "data"
ADMIN = "tickets_manage_departments"


def mail(subject: str, *, attachment: bytes | None = None, message_id: str | None = None) -> bytes:
    head = (
        f"From: Wile E. Coyote <wile@acme.example>\r\nTo: desk@ours.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id or f'<{uuid.uuid4()}@acme.example>'}\r\nMIME-Version: 1.0\r\n"
    ).encode()
    if attachment is None:
        return head + b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello."
    return head + (
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <script>x()</script>the photo</p>\r\n"
        b'--B\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="photo.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(attachment) + b"\r\n"
        b"--B\r\nContent-Type: application/x-msdownload\r\n"
        b'Content-Disposition: attachment; filename="run.exe"\r\n'
        b"\r\nMZ\r\n--B--\r\n"
    )


async def inbound(parsers: Any, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def enough() -> bool:
        found[:] = await parsers.published("mail.inbound.")
        return len(found) >= count

    await eventually(enough, within=30, what=f"{count} mail_inbound_received on the bus")
    return found


async def test_the_administrators_blocked_list_is_what_the_parser_strips(parsers: Any) -> None:
    """Seed 10.2: the list ticketing announces, not the default, decides (here .png, not .exe)."""
    await parsers.sql(
        "UPDATE mail.module_settings SET blocked_extensions = '{.png}', changed_at = now() WHERE id = 1"
    )
    await parsers.start()
    await parsers.store(mail("Blocked by the admin", attachment=b"picture"), uuid.uuid4(), source="import")
    [event] = await inbound(parsers, 1)
    assert event["data"]["blocked_attachments"] == ["photo.png"]
    assert [a["name"] for a in event["data"]["attachments"]] == ["run.exe"]


async def test_a_stored_message_is_parsed_into_mail_inbound_received_with_its_attachment_stored(
    parsers: Any,
) -> None:
    await parsers.start()
    department = uuid.uuid4()
    picture = bytes(range(256)) * 40
    stored = await parsers.store(
        mail("Printer on fire", attachment=picture), department, source="imap", uidvalidity=7, uid=1
    )
    assert stored is not None
    assert await parsers.store(mail("again"), department, source="imap", uidvalidity=7, uid=1) is None

    [event] = await inbound(parsers, 1)
    assert event["bus_subject"] == f"mail.inbound.{department}" and event["type"] == "mail_inbound_received"
    data = event["data"]
    assert (data["department_id"], data["subject"], data["from_address"]) == (
        str(department),
        "Printer on fire",
        "wile@acme.example",
    )
    assert "script" not in data["body_html"] and data["body_text"] == "See the photo"
    assert data["blocked_attachments"] == ["run.exe"]
    [attachment] = data["attachments"]
    assert (attachment["name"], attachment["size"]) == ("photo.png", len(picture))
    assert attachment["object_name"] == f"mail/{stored.id}/0"
    assert await parsers.object(attachment["object_name"]) == picture
    [row] = await parsers.sql("SELECT state, parse_attempts, parsed_at, error FROM mail.inbound_messages")
    assert (row["state"], row["parse_attempts"], row["error"]) == ("parsed", 1, None)
    assert row["parsed_at"] is not None
    assert [e["type"] for e in await parsers.published("mail.stored.")] == ["mail_stored"]


async def test_our_own_mail_come_back_into_a_mailbox_is_kept_but_not_passed_on(parsers: Any) -> None:
    """A notification (or any mail we sent) addressed to a department's own mailbox: threaded onto its
    ticket by the number in its subject, it would add a comment whose notification came back again."""
    department = uuid.uuid4()
    ours = "<notification.0b9d5f8e-35a0-5d2e-9b0c-1f7d7c1c2a11@helpdesk>"
    notification = OutboundMail(
        department_id=department,
        ticket_id=uuid.uuid4(),
        ticket_number="TKT-000123",
        to=["desk@ours.example"],
        subject="[TKT-000123] Comment added: Printer on fire",
        body_text="Comment added",
        body_html="<p>Comment added</p>",
        message_id=ours,
        automatic=True,
    )
    async with parsers.app.sessions() as session, session.begin():
        assert await queue(session, notification)
    await parsers.start()
    came_back = await parsers.store(
        mail("[TKT-000123] Comment added", message_id=ours), department, source="import"
    )
    await parsers.store(mail("From a person"), department, source="import")
    [event] = await inbound(parsers, 1)
    assert event["data"]["subject"] == "From a person"

    async def both_parsed() -> bool:
        rows = await parsers.sql("SELECT state FROM mail.inbound_messages")
        return [row["state"] for row in rows] == ["parsed", "parsed"]

    await eventually(both_parsed, within=15, what="both messages marked parsed")
    [kept] = await parsers.sql("SELECT raw FROM mail.inbound_messages WHERE message_id = $1", ours)
    assert came_back is not None and ours.encode() in kept["raw"]
    assert [e["data"]["subject"] for e in await parsers.published("mail.inbound.")] == ["From a person"]


async def test_a_poison_message_is_kept_failed_and_dead_lettered_the_next_is_parsed_and_a_retry_works(
    parsers: Any,
) -> None:
    parsers.configure(mail_max_message_bytes=2000)
    await parsers.start()
    department = uuid.uuid4()
    poison = mail("Big", attachment=b"x" * 4000)
    failed = await parsers.store(poison, department, source="import", file_name="old.mbox")
    await parsers.store(mail("Small"), department, source="import")
    [event] = await inbound(parsers, 1)
    assert event["data"]["subject"] == "Small"

    [row] = await parsers.sql(
        "SELECT id, state, error, raw FROM mail.inbound_messages WHERE state = 'failed'"
    )
    assert row["id"] == failed.id and row["raw"] == poison
    assert row["error"].startswith("The message is ") and "over the largest accepted" in row["error"]
    [letter] = await parsers.sql("SELECT consumer, reason, payload FROM mail.dead_letters")
    assert letter["consumer"] == "mail-gateway-parser" and str(failed.id) in letter["reason"]
    assert orjson.loads(letter["payload"])["data"]["inbound_message_id"] == str(failed.id)

    async def published_dead_letter() -> bool:
        return len(await parsers.published("deadletter.", stream="DEAD_LETTERS")) == 1

    await eventually(
        published_dead_letter, within=15, what="the dead letter on deadletter.mail-gateway-parser"
    )

    listed = await parsers.app.client.get(
        f"/departments/{department}/failed-messages", headers=parsers.app.as_operator(ADMIN)
    )
    assert listed.status_code == 200
    [shown] = listed.json()
    assert (shown["id"], shown["file_name"], shown["source"], shown["state"]) == (
        str(failed.id),
        "old.mbox",
        "import",
        "failed",
    )
    assert "raw" not in shown and shown["error"] == row["error"]

    parsers.configure(mail_max_message_bytes=10_000)
    retried = await parsers.app.client.post(
        f"/departments/{department}/failed-messages/{failed.id}/retry", headers=parsers.app.as_operator(ADMIN)
    )
    assert retried.status_code == 202 and retried.json()["state"] == "stored"
    events = await inbound(parsers, 2)
    assert [e["data"]["subject"] for e in events] == ["Small", "Big"]
    [after] = await parsers.sql(
        "SELECT state, error, parse_attempts FROM mail.inbound_messages WHERE id = $1", failed.id
    )
    assert (after["state"], after["error"], after["parse_attempts"]) == ("parsed", None, 2)
    again = await parsers.app.client.post(
        f"/departments/{department}/failed-messages/{failed.id}/retry", headers=parsers.app.as_operator(ADMIN)
    )
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"


async def test_failed_messages_need_the_flag_and_answer_problems_for_bad_ids(parsers: Any) -> None:
    client, department = parsers.app.client, uuid.uuid4()
    refused = await client.get(
        f"/departments/{department}/failed-messages", headers=parsers.app.as_operator()
    )
    assert refused.status_code == 403 and refused.json()["flag"] == ADMIN
    assert (await client.get(f"/departments/{department}/failed-messages")).status_code == 401
    headers = parsers.app.as_operator(ADMIN)
    bad = await client.get("/departments/not-a-uuid/failed-messages", headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    too_many = await client.get(f"/departments/{department}/failed-messages?limit=100000", headers=headers)
    assert too_many.status_code == 422
    missing = await client.post(
        f"/departments/{department}/failed-messages/{uuid.uuid4()}/retry", headers=headers
    )
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_the_failed_list_is_paged_newest_first(parsers: Any) -> None:
    parsers.configure(mail_max_message_bytes=10)
    await parsers.start()
    department = uuid.uuid4()
    for number in range(3):
        await parsers.store(mail(f"m{number}"), department, source="import")

    async def all_failed() -> bool:
        rows = await parsers.sql("SELECT count(*) AS n FROM mail.inbound_messages WHERE state = 'failed'")
        return rows[0]["n"] == 3

    await eventually(all_failed, within=30, what="three failed messages")
    headers = parsers.app.as_operator(ADMIN)
    first = (
        await parsers.app.client.get(f"/departments/{department}/failed-messages?limit=2", headers=headers)
    ).json()
    rest = (
        await parsers.app.client.get(
            f"/departments/{department}/failed-messages?limit=2&before={first[-1]['id']}", headers=headers
        )
    ).json()
    assert len(first) == 2 and len(rest) == 1
    received = [row["received_at"] for row in first + rest]
    assert received == sorted(received, reverse=True)
    assert len({row["id"] for row in first + rest}) == 3
    other = await parsers.app.client.get(f"/departments/{uuid.uuid4()}/failed-messages", headers=headers)
    assert other.json() == []


async def test_a_redelivered_or_repeated_mail_stored_changes_nothing_twice(parsers: Any) -> None:
    await parsers.start(count=2)
    department = uuid.uuid4()
    stored = await parsers.store(mail("Once", attachment=b"png"), department, source="import")
    await inbound(parsers, 1)
    # The same event again past JetStream's duplicate window (another Nats-Msg-Id): the inbox has it.
    info = await parsers.js.stream_info("MAIL")
    first = await parsers.js.get_msg("MAIL", info.state.first_seq)
    await parsers.js.publish(first.subject, first.data, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    # A new event for a row already parsed (a retry racing the parser): the row's state has it.
    fresh = stored_event(department, stored.id)
    await parsers.js.publish(fresh.bus_subject(), fresh.to_json(), headers={"Nats-Msg-Id": str(fresh.id)})

    async def all_settled() -> bool:
        rows = await parsers.sql(
            "SELECT count(*) AS n FROM mail.inbox WHERE consumer = 'mail-gateway-parser'"
        )
        consumer = await parsers.js.consumer_info("MAIL", "mail-gateway-parser")
        return rows[0]["n"] == 2 and consumer.num_pending == 0 and consumer.num_ack_pending == 0

    await eventually(all_settled, within=30, what="all three deliveries handled and acknowledged")
    assert len(await parsers.published("mail.inbound.")) == 1
    [row] = await parsers.sql("SELECT parse_attempts FROM mail.inbound_messages")
    assert row["parse_attempts"] == 1


CPYTHON_MESSAGES = sorted(CPYTHON_EMAIL_DATA.glob("msg_*.txt")) if CPYTHON_EMAIL_DATA.is_dir() else []


@pytest.mark.skipif(
    not CPYTHON_MESSAGES, reason=f"this Python has no e-mail test data at {CPYTHON_EMAIL_DATA}"
)
async def test_every_message_of_cpython_s_email_test_data_is_parsed_or_a_recorded_dead_letter(
    parsers: Any,
) -> None:
    await parsers.start(count=2)
    department = uuid.uuid4()
    for path in CPYTHON_MESSAGES:
        assert await parsers.store(path.read_bytes(), department, source="import", file_name=path.name)

    async def all_settled() -> bool:
        rows = await parsers.sql("SELECT count(*) AS n FROM mail.inbound_messages WHERE state = 'stored'")
        return rows[0]["n"] == 0

    await eventually(all_settled, within=60, what="every test message parsed or failed")
    rows = await parsers.sql("SELECT id, state, file_name FROM mail.inbound_messages")
    failed = {row["id"] for row in rows if row["state"] == "failed"}
    parsed = [row for row in rows if row["state"] == "parsed"]
    letters = await parsers.sql("SELECT payload FROM mail.dead_letters")
    assert {
        uuid.UUID(orjson.loads(letter["payload"])["data"]["inbound_message_id"]) for letter in letters
    } == failed
    assert len(await inbound(parsers, len(parsed))) == len(parsed)
    assert len(parsed) + len(failed) == len(CPYTHON_MESSAGES) and parsed
