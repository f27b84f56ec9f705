"""Incident e-mail notifications (issue 20, part 8) on the real database and bus: the ITSM settings API
(one rule per incident event: addresses checked one by one, the assignee, the priorities; the
department whose mailbox sends them; 422 naming the field; incidents.manage), and the consumer of
incident events whose automatic `mail_outbound_requested`, relayed from the outbox, reach the MAIL
stream on `mail.outbound.<sending department>`: one per recipient of the event's rule, naming the
incident, never twice for a redelivered event, none for an event without a rule."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.bus.relay import OutboxRelay
from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.identity import OperatorData, OperatorSnapshot, OperatorUpserted
from helpdesk_common.contracts.itsm import (
    INCIDENT_EVENT_NAMES,
    INCIDENT_EVENTS,
    IncidentAssigned,
    IncidentCreated,
    IncidentResolved,
    IncidentUpdated,
)
from helpdesk_common.contracts.mail import MailOutboundRequested
from helpdesk_common.contracts.ticketing import DepartmentData, DepartmentRemoved, DepartmentSnapshot
from notifier.notifications import consumers as notification_consumers
from notifier.projections import departments_projection, operators_projection

INCIDENTS = "incidents.manage"
PATH = "/itsm/notifications"
HOSTILE = '<b>Platte</b> "voll" & <script>alert(1)</script>'
CONSUMER = "notifier-incident-notifications"
BY_EVENT = {contract.event_type: contract for contract in INCIDENT_EVENTS}


async def save(notifier: Any, events: dict[str, Any], *, sender: Any = "department") -> dict[str, Any]:
    """`sender`: the notifier's department unless given."""
    department = notifier.department_id if sender == "department" else sender
    body = {"sender_department_id": str(department) if department else None, "events": events}
    answer = await notifier.client.put(PATH, json=body, headers=notifier.manager(INCIDENTS))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def rule(recipients: str = "", *, assignee: bool = False, priorities: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"recipients": recipients, "assignee": assignee, "priorities": list(priorities)}


def _field(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    return str(answer.json()["errors"][0]["field"])


# The settings API


async def test_never_saved_writes_to_nobody_and_saving_normalises(notifier: Any) -> None:
    headers = notifier.manager(INCIDENTS)
    answer = await notifier.client.get(PATH, headers=headers)
    assert answer.status_code == 200, answer.text
    nobody = {"recipients": "", "assignee": False, "priorities": []}
    assert answer.json() == {
        "sender_department_id": None,
        "sender_department": None,
        "events": {name: nobody for name in INCIDENT_EVENT_NAMES},
        "updated_at": None,
    }
    saved = await save(
        notifier,
        {
            "incident_created": rule(
                " oncall@Example.COM ,noc@example.com,, ONCALL@example.com ", priorities=("P2", "P1", "P2")
            ),
            "incident_assigned": rule(assignee=True),
        },
    )
    assert saved["sender_department_id"] == str(notifier.department_id)
    assert saved["sender_department"] == 'Support "EU"'
    assert saved["events"]["incident_created"] == {
        "recipients": "oncall@example.com, noc@example.com",
        "assignee": False,
        "priorities": ["P1", "P2"],
    }
    assert saved["events"]["incident_assigned"] == {"recipients": "", "assignee": True, "priorities": []}
    assert saved["events"]["incident_resolved"] == nobody
    again = (await notifier.client.get(PATH, headers=headers)).json()
    assert again == saved and again["updated_at"] is not None
    # Nobody written to needs no sending department.
    cleared = await save(notifier, {}, sender=None)
    assert cleared["sender_department_id"] is None
    assert all(value == nobody for value in cleared["events"].values())


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"events": {"incident_created": {"recipients": "oncall@example.com, nope"}}},
            "events.incident_created.recipients",
            "'nope'",
        ),
        (
            {"events": {"incident_exploded": {"recipients": "oncall@example.com"}}},
            "events.incident_exploded",
            "Extra",
        ),
        (
            {"events": {"incident_closed": {"priorities": ["P5"]}}},
            "events.incident_closed.priorities.0",
            "P1",
        ),
        ({"events": {"incident_closed": {"assignee": "maybe"}}}, "events.incident_closed.assignee", "bool"),
        ({"sender_department_id": str(uuid.uuid4())}, "sender_department_id", "does not exist"),
        (
            {"events": {"incident_created": {"assignee": True}}},
            "sender_department_id",
            "department's outbound mailbox",
        ),
        (
            {"events": {"incident_created": {"recipients": "oncall@example.com"}}},
            "sender_department_id",
            "choose",
        ),
    ],
)
async def test_a_bad_setting_is_a_422_naming_its_field(
    notifier: Any, body: dict[str, Any], field: str, words: str
) -> None:
    answer = await notifier.client.put(PATH, json=body, headers=notifier.manager(INCIDENTS))
    assert _field(answer) == field and words in answer.text, answer.json()


async def test_the_settings_need_incidents_manage_and_not_the_ticket_system(notifier: Any) -> None:
    for flags in [
        ("tickets_enabled", "tickets_manage_departments"),
        ("tickets_enabled", "tickets_manage_webhooks"),
    ]:
        headers = notifier.manager(*flags)
        for answer in (
            await notifier.client.get(PATH, headers=headers),
            await notifier.client.put(PATH, json={}, headers=headers),
            await notifier.client.get(f"{PATH}/departments", headers=headers),
        ):
            assert answer.status_code == 403 and answer.json()["flag"] == INCIDENTS, answer.text
    await notifier.switch_module(False)
    assert (await notifier.client.get(PATH, headers=notifier.manager(INCIDENTS))).status_code == 200


async def test_the_sending_department_is_picked_from_those_ticketing_announced(notifier: Any) -> None:
    operations = await notifier.department_known("Operations")
    answer = await notifier.client.get(f"{PATH}/departments", headers=notifier.manager(INCIDENTS))
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"id": str(operations), "name": "Operations"},
        {"id": str(notifier.department_id), "name": 'Support "EU"'},
    ]


async def test_a_removed_sending_department_stops_the_mails_until_another_is_chosen(notifier: Any) -> None:
    await save(notifier, {"incident_created": rule("oncall@example.com")})
    removed = DepartmentRemoved.build(
        source="ticketing",
        subject=str(notifier.department_id),
        data=DepartmentData(
            department=DepartmentSnapshot(id=notifier.department_id, name="Gone", enabled=True)
        ),
    )
    async with notifier.app.sessions() as session, session.begin():
        await departments_projection.removed(session, removed)
    read = (await notifier.client.get(PATH, headers=notifier.manager(INCIDENTS))).json()
    assert read["sender_department_id"] is None and read["sender_department"] is None
    # The rules stay: saved again with another department, they write again.
    assert read["events"]["incident_created"]["recipients"] == "oncall@example.com"
    answer = await notifier.client.put(
        PATH,
        json={"events": read["events"], "sender_department_id": str(notifier.department_id)},
        headers=notifier.manager(INCIDENTS),
    )
    assert _field(answer) == "sender_department_id"
    operations = await notifier.department_known("Operations")
    saved = await save(notifier, read["events"], sender=operations)
    assert (saved["sender_department"], saved["events"]) == ("Operations", read["events"])


# The e-mails


@dataclass
class Mailer:
    """The incident notification consumer, the operators' projection and the outbox relay on the real
    bus in this process; the mails as they reached the MAIL stream."""

    notifier: Any
    client: Client
    jetstream: JetStreamContext
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        notification_consumers.use_settings(self.notifier.settings)
        sessions = self.notifier.app.sessions
        for consumer in (
            notification_consumers.incident_notifications_consumer,
            operators_projection.consumer,
        ):
            self.tasks.append(asyncio.create_task(consumer.run(self.client, sessions, self.stop)))
        relay = OutboxRelay(self.notifier.app.engine, AckedPublisher(self.client), woken_by_writers=True)
        self.tasks.append(asyncio.create_task(relay.run(self.stop)))

    async def publish(self, event: Any, *, msg_id: str | None = None) -> None:
        await self.jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": msg_id or str(event.id)}
        )

    async def handled(self, *events: Any, consumer: str = CONSUMER) -> None:
        """Until the consumer has applied these events (published in this order) and the relay has
        published what they wrote."""
        for event in events:
            await self.publish(event)
        marker = events[-1]
        await eventually(
            lambda: self.notifier.sql(
                "SELECT 1 FROM inbox WHERE consumer = :consumer AND event_id = :id",
                consumer=consumer,
                id=marker.id,
            ),
            what=f"{marker.type} handled",
        )

        async def relayed() -> bool:
            return not await self.notifier.sql("SELECT 1 FROM outbox")

        await eventually(relayed, what="the outbox relayed")

    async def operator(self, email: str, *, active: bool = True) -> uuid.UUID:
        """An operator the gateway announced on IDENTITY."""
        snapshot = OperatorSnapshot(
            id=uuid.uuid4(), username=email.split("@")[0], email=email, display_name=email, active=active
        )
        event = OperatorUpserted.build(
            source="gateway", subject=str(snapshot.id), data=OperatorData(operator=snapshot)
        )
        await self.handled(event, consumer="notifier-identity")
        return snapshot.id

    async def mails(self) -> list[tuple[str, MailOutboundRequested]]:
        """Every message on the MAIL stream, in order: its subject and the request."""
        state = (await self.jetstream.stream_info("MAIL")).state
        if not state.messages:
            return []
        found = []
        for sequence in range(state.first_seq, state.last_seq + 1):
            message = await self.jetstream.get_msg("MAIL", sequence)
            assert message.subject is not None and message.data is not None
            found.append((message.subject, MailOutboundRequested.model_validate_json(message.data)))
        return found


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
    for consumer in (notification_consumers.incident_notifications_consumer, operators_projection.consumer):
        await ensure_consumer(client.jetstream(), consumer.spec)
    running = Mailer(notifier, client, client.jetstream())
    running.start()
    try:
        yield running
    finally:
        running.stop.set()
        for task in running.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
        await client.close()


def every_event(new_incident_event: Any, **incident: Any) -> dict[str, Any]:
    """One event of each of the eight kinds, about the same incident."""
    incident = {"id": uuid.uuid4(), **incident}
    return {name: new_incident_event(contract, **incident) for name, contract in BY_EVENT.items()}


@pytest.mark.parametrize("selected", INCIDENT_EVENT_NAMES)
async def test_an_event_with_a_rule_is_one_mail_per_recipient_on_the_bus_and_the_others_none(
    notifier: Any, mailer: Mailer, new_incident_event: Any, selected: str
) -> None:
    await save(notifier, {selected: rule("oncall@example.com, noc@example.com")})
    events = every_event(new_incident_event)
    await mailer.handled(*events.values())
    mails = await mailer.mails()
    assert sorted(mail.data.to[0] for _, mail in mails) == ["noc@example.com", "oncall@example.com"]
    incident = events[selected].data.incident
    for subject, mail in mails:
        assert subject == f"mail.outbound.{notifier.department_id}"
        assert len(mail.data.to) == 1 and mail.data.automatic and mail.data.comment_id is None
        assert mail.data.ticket_id == incident.id and mail.data.ticket_number == "INC-1042"
        assert mail.data.subject.startswith("[INC-1042] ")
        assert mail.data.message_id == f"<notification.{mail.id}@helpdesk>"
    assert len({mail.data.message_id for _, mail in mails}) == 2


async def test_nothing_is_sent_without_a_rule_a_recipient_or_a_sending_department(
    notifier: Any, mailer: Mailer, new_incident_event: Any
) -> None:
    # Never saved.
    await mailer.handled(*every_event(new_incident_event).values())
    # Rules for other events only.
    await save(notifier, {"incident_resolved": rule("oncall@example.com")})
    events = every_event(new_incident_event)
    del events["incident_resolved"]
    await mailer.handled(*events.values())
    # The assignee asked for, and the incident assigned to nobody.
    await save(notifier, {"incident_created": rule(assignee=True)})
    await mailer.handled(new_incident_event(assignee_username=None))
    # The sending department removed.
    await save(notifier, {"incident_created": rule("oncall@example.com")})
    removed = DepartmentRemoved.build(
        source="ticketing",
        subject=str(notifier.department_id),
        data=DepartmentData(
            department=DepartmentSnapshot(id=notifier.department_id, name="Gone", enabled=True)
        ),
    )
    async with notifier.app.sessions() as session, session.begin():
        await departments_projection.removed(session, removed)
    await mailer.handled(new_incident_event())
    assert await mailer.mails() == []


async def test_a_rule_s_priorities_choose_the_incidents_it_writes_about(
    notifier: Any, mailer: Mailer, new_incident_event: Any
) -> None:
    await save(notifier, {"incident_created": rule("oncall@example.com", priorities=("P1", "P2"))})
    await mailer.handled(
        new_incident_event(number="INC-1", priority="P1"),
        new_incident_event(number="INC-3", priority="P3"),
        new_incident_event(number="INC-2", priority="P2"),
        new_incident_event(number="INC-4", priority="P4"),
    )
    assert [mail.data.ticket_number for _, mail in await mailer.mails()] == ["INC-1", "INC-2"]


async def test_the_assignee_is_written_to_unless_they_made_the_change_or_are_inactive(
    notifier: Any, mailer: Mailer, new_incident_event: Any
) -> None:
    await save(notifier, {"incident_assigned": rule("noc@example.com, Grace@example.com", assignee=True)})
    ada = await mailer.operator("ada@example.com")
    grace = await mailer.operator("grace@example.com")
    gone = await mailer.operator("gone@example.com", active=False)
    someone = uuid.uuid4()

    def assigned(number: str, assignee: uuid.UUID | None, actor: uuid.UUID | None) -> Any:
        return new_incident_event(
            IncidentAssigned,
            number=number,
            assignee_id=assignee,
            actor_id=actor,
            changes={"assignee_id": (None, str(assignee))},
        )

    await mailer.handled(
        assigned("INC-1", ada, someone),
        # Assigned to themselves: they know.
        assigned("INC-2", ada, ada),
        # Also on the list: one mail.
        assigned("INC-3", grace, None),
        assigned("INC-4", gone, someone),
        # An operator the gateway never announced.
        assigned("INC-5", uuid.uuid4(), someone),
    )
    recipients: dict[str, list[str]] = {}
    for _, mail in await mailer.mails():
        recipients.setdefault(mail.data.ticket_number, []).append(mail.data.to[0])
    assert recipients == {
        "INC-1": ["noc@example.com", "Grace@example.com", "ada@example.com"],
        "INC-2": ["noc@example.com", "Grace@example.com"],
        "INC-3": ["noc@example.com", "Grace@example.com"],
        "INC-4": ["noc@example.com", "Grace@example.com"],
        "INC-5": ["noc@example.com", "Grace@example.com"],
    }


async def test_a_redelivered_incident_event_sends_nothing_twice(
    notifier: Any, mailer: Mailer, new_incident_event: Any
) -> None:
    await save(
        notifier,
        {
            "incident_created": rule("oncall@example.com, noc@example.com"),
            "incident_resolved": rule("oncall@example.com"),
        },
    )
    created = new_incident_event()
    await mailer.handled(created)
    first = await mailer.mails()
    assert len(first) == 2
    # Past JetStream's duplicate window (another Nats-Msg-Id): the inbox is what stops it.
    await mailer.publish(created, msg_id=f"again-{uuid.uuid4()}")
    await mailer.handled(new_incident_event(IncidentResolved, id=created.data.incident.id, status="resolved"))
    mails = await mailer.mails()
    assert len(mails) == 3
    assert [mail.data.message_id for _, mail in mails[:2]] == [mail.data.message_id for _, mail in first]
    assert "Incident resolved" in mails[2][1].data.subject


async def test_the_mail_of_a_handled_incident_event_is_the_same_mail_if_made_again(
    notifier: Any, new_incident_event: Any
) -> None:
    """Should an event get past the inbox (pruned after its retention), the copy carries the same event
    id and Message-ID, which JetStream and the mail gateway's unique Message-ID drop."""
    await save(notifier, {"incident_created": rule("oncall@example.com")})
    created = new_incident_event()
    for _ in range(2):
        async with notifier.app.sessions() as session, session.begin():
            await notification_consumers.on_incident_events(session, [created])
    first, second = [
        MailOutboundRequested.model_validate_json(row.payload)
        for row in await notifier.sql("SELECT payload FROM outbox ORDER BY id")
    ]
    assert first.id == second.id and first.data.message_id == second.data.message_id


async def test_the_mail_names_the_incident_the_event_the_change_and_links_it_escaped(
    notifier: Any, mailer: Mailer, new_incident_event: Any
) -> None:
    await save(notifier, {name: rule("oncall@example.com") for name in INCIDENT_EVENT_NAMES})
    updated = new_incident_event(
        IncidentUpdated, title=HOSTILE, changes={"title": ("Old", HOSTILE), "priority": ("P3", "P1")}
    )
    resolved = new_incident_event(
        IncidentResolved,
        title=HOSTILE,
        status="resolved",
        resolution_code="workaround",
        note="Rotated the <logs>.\nSecond line & more.",
        changes={"status": ("acknowledged", "resolved")},
    )
    created = new_incident_event(
        IncidentCreated,
        title=HOSTILE,
        is_storm=True,
        host=None,
        host_count=4,
        assignment_group_id=uuid.uuid4(),
    )
    await mailer.handled(updated, resolved, created)
    by_event = {
        mail.data.subject.split("]")[1].split("(")[0].strip(): mail.data for _, mail in await mailer.mails()
    }
    links = {
        "Incident updated": updated.data.incident.id,
        "Incident resolved": resolved.data.incident.id,
        "Incident created": created.data.incident.id,
    }
    for what, mail in by_event.items():
        link = f"https://desk.example.com/incidents/{links[what]}"
        # The subject keeps the title as written (a header, not markup), on one line.
        assert mail.subject == f"[INC-1042] {what} (P1): {HOSTILE}"
        for body in (mail.body_text, mail.body_html):
            assert "INC-1042" in body and what in body and link in body
        assert f'href="{link}"' in mail.body_html
        # Markup from the incident is text in the HTML, never a tag.
        assert "<script" not in mail.body_html and "<b>Platte" not in mail.body_html
        assert "&lt;b&gt;Platte&lt;/b&gt;" in mail.body_html
        assert HOSTILE in mail.body_text
        assert "Priority: P1 (impact high, urgency high)" in mail.body_text
        assert "Severity: critical" in mail.body_text and "Assigned to: ada" in mail.body_text
    assert set(by_event) == {"Incident updated", "Incident resolved", "Incident created"}
    assert f"Title: Old → {HOSTILE}" in by_event["Incident updated"].body_text
    assert "Priority: P3 → P1" in by_event["Incident updated"].body_text
    resolved_mail = by_event["Incident resolved"]
    assert "Status: acknowledged → resolved" in resolved_mail.body_text
    assert "Resolution: workaround" in resolved_mail.body_text
    assert "Rotated the <logs>." in resolved_mail.body_text and "&lt;logs&gt;" in resolved_mail.body_html
    assert "Host: 4 hosts (storm)" in by_event["Incident created"].body_text
    assert "Assigned to: ada and an assignment group" in by_event["Incident created"].body_text
    assert "Host: db-01.example.com" in resolved_mail.body_text
