"""Time on incidents (issue 20 part 7), on the real servers: ITSM's incident events published onto
JetStream with the contract classes and kept by the real consumer, entries booked billable or not with
their totals (never rounded: an incident has no department), ITSM's flags instead of the Ticket
System's gate, the incident report, and `time_entry_booked` relayed from the outbox onto the TIME
stream."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nats
import orjson
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.bus.relay import OutboxRelay
from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.itsm import (
    IncidentChangeData,
    IncidentClosed,
    IncidentCreated,
    IncidentResolved,
    IncidentSnapshot,
    IncidentUpdated,
)
from helpdesk_common.testing.incident_states import incident_snapshot
from timetracking.incident_events import incidents_consumer

VIEW = "incidents.view"
MANAGE = "incidents.manage"
OTHERS_ENTRIES = "tickets_manage_time_entries"
BERLIN = "Europe/Berlin"
WAIT = 10.0


@dataclass
class Who:
    """An operator as the gateway vouches for them, with ITSM's flags only unless told otherwise."""

    username: str
    flags: tuple[str, ...]
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class Itsm:
    """ITSM as time tracking sees it: incident events on the ITSM stream, the time tracker's consumer
    of them and its relay running, and the desk's app to call."""

    desk: Any
    js: JetStreamContext
    client: Client
    numbers: int = 0

    def headers(self, who: Who) -> dict[str, str]:
        return dict(self.desk.app.as_operator(*who.flags, operator_id=who.id, username=who.username))

    def snapshot(self, **fields: Any) -> IncidentSnapshot:
        self.numbers += 1
        return incident_snapshot(f"INC-{self.numbers:06d}", **fields)

    async def publish(self, *events: Any) -> None:
        """As ITSM's relay publishes them; returns once the consumer has applied every one."""
        for event in events:
            await self.js.publish(
                event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )
        wanted = {event.id for event in events}

        async def applied() -> None:
            while True:
                rows = await self.desk.sql(
                    "SELECT event_id FROM inbox WHERE consumer = :consumer",
                    consumer=incidents_consumer.spec.durable,
                )
                if wanted <= {row.event_id for row in rows}:
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(applied(), WAIT)

    async def incident(self, **fields: Any) -> IncidentSnapshot:
        """An incident ITSM opened (incident_created on the bus)."""
        snapshot = self.snapshot(**fields)
        await self.publish(event(IncidentCreated, snapshot))
        return snapshot

    async def book(self, who: Who, incident_id: uuid.UUID, expect: int = 201, **body: Any) -> Any:
        answer = await self.desk.client.post(
            f"/incidents/{incident_id}/entries",
            json={"date": "2026-03-10", **body},
            headers=self.headers(who),
        )
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def entries(self, who: Who, incident_id: uuid.UUID, **params: str) -> dict[str, Any]:
        answer = await self.desk.client.get(
            f"/incidents/{incident_id}/entries", params=params, headers=self.headers(who)
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def report(self, who: Who, expect: int = 200, **params: str) -> Any:
        answer = await self.desk.client.get("/incidents/report", params=params, headers=self.headers(who))
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def delete(self, who: Who, incident_id: uuid.UUID, entry_id: str) -> int:
        answer = await self.desk.client.delete(
            f"/incidents/{incident_id}/entries/{entry_id}", headers=self.headers(who)
        )
        return int(answer.status_code)

    async def on_the_bus(self, subject: str, count: int) -> list[dict[str, Any]]:
        """The first `count` events on `subject` of the TIME stream, once the relay has put them there."""

        async def published() -> list[dict[str, Any]]:
            while True:
                info = await self.js.stream_info("TIME")
                if info.state.messages >= count:
                    found = []
                    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                        message = await self.js.get_msg("TIME", sequence)
                        if message.subject == subject:
                            found.append(orjson.loads(message.data or b"{}"))
                    if len(found) >= count:
                        return found
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(published(), WAIT)


def event(contract: Any, snapshot: IncidentSnapshot, *, at: datetime | None = None) -> Any:
    built = contract.build(
        source="itsm", subject=str(snapshot.id), data=IncidentChangeData(incident=snapshot)
    )
    return built if at is None else built.model_copy(update={"time": at})


@pytest.fixture
async def itsm(desk: Any, jetstream: JetStreamContext) -> AsyncIterator[Itsm]:
    client = await nats.connect(desk.servers.nats_url)
    await ensure_consumer(jetstream, incidents_consumer.spec)
    stop = asyncio.Event()
    relay = OutboxRelay(desk.app.engine, AckedPublisher(client), woken_by_writers=True)
    tasks = [
        asyncio.create_task(incidents_consumer.run(client, desk.app.sessions, stop)),
        asyncio.create_task(relay.run(stop)),
    ]
    try:
        yield Itsm(desk, jetstream, client)
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
        await client.close()


def seconds(raw: int, rounded: int | None = None) -> dict[str, int]:
    return {"raw_seconds": raw, "rounded_seconds": raw if rounded is None else rounded}


def totals(billable: int, non_billable: int) -> dict[str, Any]:
    return {
        **seconds(billable + non_billable),
        "billable": seconds(billable),
        "non_billable": seconds(non_billable),
    }


async def test_time_is_booked_billable_or_not_on_an_incident_exact_and_totalled(itsm: Itsm) -> None:
    # The Ticket System's gate is not ITSM's: switched off, and an operator without tickets_enabled.
    await itsm.desk.settings(rounding_minutes=15, rounding_mode="up")
    await itsm.desk.switch_module(False)
    ada = Who("ada", (MANAGE,))
    outage = await itsm.incident()

    billable = await itsm.book(
        ada, outage.id, start="09:00", end="10:30", time_zone=BERLIN, notes="Failed over the primary"
    )
    assert (billable["work_item_kind"], billable["work_item_id"], billable["billable"]) == (
        "incident",
        str(outage.id),
        True,
    ), "billable unless said otherwise"
    assert (billable["started_at"], billable["ended_at"]) == ("2026-03-10T08:00:00Z", "2026-03-10T09:30:00Z")
    other = await itsm.book(ada, outage.id, start="11:00", end="11:20", time_zone=BERLIN, billable=False)
    assert (other["billable"], other["duration_seconds"], other["rounded_seconds"]) == (False, 1200, 1200), (
        "no department's step rounds an incident's time"
    )

    read = await itsm.entries(ada, outage.id, time_zone=BERLIN)
    assert [(e["start"], e["end"], e["billable"], e["deletable"]) for e in read["entries"]] == [
        ("09:00", "10:30", True, True),
        ("11:00", "11:20", False, True),
    ]
    assert read["totals"] == totals(billable=5400, non_billable=1200)
    assert (await itsm.entries(Who("vic", (VIEW,)), outage.id))["totals"] == read["totals"]
    assert (await itsm.entries(ada, (await itsm.incident()).id))["totals"] == totals(0, 0)


async def test_an_operator_is_in_one_place_at_a_time_across_tickets_and_incidents(itsm: Itsm) -> None:
    ada = itsm.desk.person("ada", MANAGE)
    as_ada = Who("ada", ada.flags, id=ada.id)
    ticket = await itsm.desk.ticket()
    outage = await itsm.incident()
    await itsm.desk.book(ada, ticket, start="09:00", end="10:00")

    refused = await itsm.book(as_ada, outage.id, expect=422, start="09:30", end="10:30")
    assert refused["errors"] == [
        {
            "field": "start",
            "message": f"Overlaps your entry on {ticket.number} of 2026-03-10, 09:00 to 10:00 (UTC).",
        }
    ]
    await itsm.book(as_ada, outage.id, start="10:00", end="10:30")
    refused = await itsm.desk.book(ada, ticket, expect=422, start="10:15", end="11:00")
    assert refused["errors"][0]["message"] == (
        f"Overlaps your entry on {outage.number} of 2026-03-10, 10:00 to 10:30 (UTC)."
    )
    # A ticket's entries stay the ticket's, an incident's the incident's.
    assert [e["work_item_kind"] for e in (await itsm.desk.entries(ada, ticket))["entries"]] == ["ticket"]
    assert [e["work_item_kind"] for e in (await itsm.entries(as_ada, outage.id))["entries"]] == ["incident"]
    day = await itsm.desk.client.get(
        "/entries/day",
        params={"date": "2026-03-10"},
        headers=itsm.desk.person("lead", "tickets_view_time_tracking").headers,
    )
    assert [e["ticket_number"] for e in day.json()["entries"]] == [ticket.number], (
        "the day calendar is tickets'"
    )


async def test_reading_needs_incidents_view_or_manage_and_booking_or_deleting_manage(itsm: Itsm) -> None:
    outage = await itsm.incident()
    ada = Who("ada", (MANAGE,))
    booked = await itsm.book(ada, outage.id, start="09:00", end="10:00")
    ticket_people = Who("tom", ("tickets_enabled", "tickets_view_time_tracking", OTHERS_ENTRIES))
    nobody = Who("nobody", ())

    for who in (nobody, ticket_people):
        answer = await itsm.desk.client.get(f"/incidents/{outage.id}/entries", headers=itsm.headers(who))
        assert answer.status_code == 403
        assert answer.json()["any_of"] == [VIEW, MANAGE]
        assert (await itsm.report(who, expect=403, **{"from": "2026-03-10", "to": "2026-03-10"}))[
            "any_of"
        ] == [
            VIEW,
            MANAGE,
        ]

    viewer = Who("vic", (VIEW,))
    read = await itsm.entries(viewer, outage.id)
    assert [e["deletable"] for e in read["entries"]] == [False], "a viewer deletes nothing"
    refused = await itsm.book(viewer, outage.id, expect=403, start="11:00", end="12:00")
    assert refused["flag"] == MANAGE
    assert await itsm.delete(viewer, outage.id, booked["id"]) == 403
    assert await itsm.delete(Who("viv", (VIEW, OTHERS_ENTRIES)), outage.id, booked["id"]) == 403
    assert await itsm.delete(ticket_people, outage.id, booked["id"]) == 403
    assert [e["id"] for e in (await itsm.entries(viewer, outage.id))["entries"]] == [booked["id"]]


async def test_an_operator_deletes_their_own_entries_and_others_with_the_flag(itsm: Itsm) -> None:
    outage = await itsm.incident()
    ada, bob = Who("ada", (MANAGE,)), Who("bob", (MANAGE,))
    lead = Who("lead", (MANAGE, OTHERS_ENTRIES))
    first = await itsm.book(ada, outage.id, start="09:00", end="10:00")
    second = await itsm.book(ada, outage.id, start="10:00", end="11:00")
    assert [e["deletable"] for e in (await itsm.entries(bob, outage.id))["entries"]] == [False, False]
    assert [e["deletable"] for e in (await itsm.entries(lead, outage.id))["entries"]] == [True, True]

    refused = await itsm.desk.client.delete(
        f"/incidents/{outage.id}/entries/{first['id']}", headers=itsm.headers(bob)
    )
    assert (refused.status_code, refused.json()["flag"]) == (403, OTHERS_ENTRIES)
    assert await itsm.delete(ada, outage.id, first["id"]) == 204
    assert await itsm.delete(ada, outage.id, first["id"]) == 404, "gone"
    assert await itsm.delete(lead, outage.id, second["id"]) == 204
    assert (await itsm.entries(ada, outage.id))["entries"] == []

    deleted = await itsm.on_the_bus("time.entry_deleted", 2)
    assert [(e["subject"], e["data"]["reason"], e["data"]["actor_id"]) for e in deleted] == [
        (first["id"], "deleted", str(ada.id)),
        (second["id"], "deleted", str(lead.id)),
    ]


async def test_an_incident_time_tracking_has_not_heard_of_is_a_404(itsm: Itsm) -> None:
    ada = Who("ada", ("tickets_enabled", MANAGE))
    unknown = uuid.uuid4()
    answer = await itsm.desk.client.get(f"/incidents/{unknown}/entries", headers=itsm.headers(ada))
    assert answer.status_code == 404
    assert answer.json()["detail"] == (
        f"The incident {unknown} does not exist (or time tracking has not heard of it yet)."
    )
    await itsm.book(ada, unknown, expect=404, start="09:00", end="10:00")
    assert await itsm.delete(ada, unknown, str(uuid.uuid4())) == 404

    # An entry is deleted only through the work item it is on.
    outage, other = await itsm.incident(), await itsm.incident()
    booked = await itsm.book(ada, outage.id, start="09:00", end="10:00")
    assert await itsm.delete(ada, other.id, booked["id"]) == 404
    ticket = await itsm.desk.ticket()
    on_ticket = await itsm.desk.book(itsm.desk.person("ada", MANAGE), ticket, start="11:00", end="12:00")
    assert await itsm.delete(ada, outage.id, on_ticket["id"]) == 404
    ticket_path = await itsm.desk.client.get(
        f"/tickets/{outage.id}/entries", headers=itsm.desk.person("ada").headers
    )
    assert ticket_path.status_code == 404, "an incident is no ticket"

    # Once ITSM's event arrives, it is there.
    late = itsm.snapshot(id=unknown)
    await itsm.publish(event(IncidentCreated, late))
    assert (await itsm.entries(ada, unknown))["entries"] == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"start": "10:00", "end": "09:00"}, "end", "The end (09:00) must be after the start (10:00)."),
        ({"start": "9:00", "end": "10:00"}, "start", None),
        ({"start": "09:00", "end": "10:00", "date": "10/03/2026"}, "date", None),
        ({"start": "09:00", "end": "10:00", "date": "2026-03-12"}, "date", None),
        ({"start": "09:00", "end": "10:00", "billable": "yes"}, "billable", None),
        ({"start": "09:00", "end": "10:00", "time_zone": "Mars/Olympus"}, "time_zone", None),
        ({"start": "09:00", "end": "10:00", "notes": "x" * 4001}, "notes", None),
        ({"start": "09:00", "end": "10:00", "rounded": True}, "rounded", None),
        (
            {"start": "02:30", "end": "03:00", "date": "2026-03-29", "time_zone": BERLIN},
            "start",
            "02:30 does not exist on 2026-03-29 in Europe/Berlin: the clocks go forward by 60 minutes then.",
        ),
    ],
)
async def test_a_bad_booking_is_a_422_under_its_field(
    itsm: Itsm, body: dict[str, Any], field: str, message: str | None
) -> None:
    if body.get("date") == "2026-03-29":
        itsm.desk.at(days=20)
    ada = Who("ada", (MANAGE,))
    outage = await itsm.incident()
    refused = await itsm.book(ada, outage.id, expect=422, **body)
    assert [error["field"].split(".")[-1] for error in refused["errors"]] == [field], refused
    if message is not None:
        assert refused["errors"][0]["message"] == message
    assert (await itsm.entries(ada, outage.id))["entries"] == []


async def test_the_report_sums_per_incident_and_operator_billable_or_not_over_local_days(itsm: Itsm) -> None:
    ada, bob = Who("ada", (MANAGE,)), Who("Bob", (MANAGE,))
    outage = await itsm.incident(title="Database down")
    storm = await itsm.incident(title="Disk full on 12 hosts", is_storm=True)
    await itsm.book(ada, outage.id, start="09:00", end="10:00")
    await itsm.book(ada, outage.id, start="10:00", end="10:30", billable=False)
    await itsm.book(bob, outage.id, start="09:00", end="09:15")
    await itsm.book(bob, storm.id, start="10:00", end="12:00", billable=False)
    # Half past midnight on the 10th in Berlin is still the 9th in UTC.
    await itsm.book(ada, storm.id, start="00:30", end="01:00", time_zone=BERLIN)
    # Time on tickets is the hours report's.
    await itsm.desk.book(itsm.desk.person("ada"), await itsm.desk.ticket(), start="13:00", end="14:00")
    await itsm.publish(event(IncidentResolved, outage.model_copy(update={"status": "resolved"})))

    viewer = Who("vic", (VIEW,))
    report = await itsm.report(viewer, **{"from": "2026-03-10", "to": "2026-03-10", "time_zone": BERLIN})
    assert (report["from"], report["to"], report["time_zone"]) == ("2026-03-10", "2026-03-10", BERLIN)
    assert report["total"] == totals(billable=3600 + 900 + 1800, non_billable=1800 + 7200)
    assert [
        (row["number"], row["title"], row["status"], row["billable"], row["non_billable"])
        for row in report["incidents"]
    ] == [
        (outage.number, "Database down", "resolved", seconds(4500), seconds(1800)),
        (storm.number, "Disk full on 12 hosts", "open", seconds(1800), seconds(7200)),
    ]
    assert [
        (row["username"], row["raw_seconds"], row["billable"]["raw_seconds"]) for row in report["operators"]
    ] == [("ada", 7200, 5400), ("Bob", 8100, 900)], "by username, whatever the case"

    in_utc = await itsm.report(viewer, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert in_utc["total"]["billable"] == seconds(3600 + 900), (
        "ada's half hour on the storm was the 9th in UTC"
    )
    nothing = await itsm.report(viewer, **{"from": "2026-03-11", "to": "2026-03-12"})
    assert (nothing["total"], nothing["incidents"], nothing["operators"]) == (totals(0, 0), [], [])

    backwards = await itsm.report(viewer, expect=422, **{"from": "2026-03-10", "to": "2026-03-09"})
    assert backwards["errors"][0]["field"] == "to"
    too_long = await itsm.report(viewer, expect=422, **{"from": "2026-01-01", "to": "2027-01-02"})
    assert too_long["errors"][0]["message"] == "The range may span at most 366 days."
    assert (await itsm.report(viewer, expect=422, to="2026-03-10"))["errors"][0]["field"] == "from"


async def test_a_booking_goes_out_on_the_time_stream_as_time_entry_booked_on_the_incident(itsm: Itsm) -> None:
    ada = Who("ada", (MANAGE,))
    outage = await itsm.incident()
    booked = await itsm.book(ada, outage.id, start="09:00", end="10:00", billable=False, notes="Post-mortem")

    (announced,) = await itsm.on_the_bus("time.entry_booked", 1)
    assert (announced["type"], announced["source"], announced["subject"]) == (
        "time_entry_booked",
        "timetracking",
        booked["id"],
    )
    entry = announced["data"]["entry"]
    assert {key: entry[key] for key in entry if key != "created_at"} == {
        "id": booked["id"],
        "work_item_kind": "incident",
        "work_item_id": str(outage.id),
        "work_item_number": outage.number,
        "department_id": None,
        "user_id": str(ada.id),
        "username": "ada",
        "started_at": "2026-03-10T09:00:00Z",
        "ended_at": "2026-03-10T10:00:00Z",
        "duration_seconds": 3600,
        "rounded_seconds": 3600,
        "notes": "Post-mortem",
        "origin": "manual",
        "billable": False,
    }


async def test_the_incidents_are_kept_from_itsm_s_events_the_newest_by_its_time_once_each(itsm: Itsm) -> None:
    outage = await itsm.incident(title="Database slow")
    created = (await itsm.desk.sql("SELECT changed_at FROM incidents WHERE id = :id", id=outage.id))[
        0
    ].changed_at
    later = created + timedelta(minutes=5)
    renamed = event(IncidentUpdated, outage.model_copy(update={"title": "Database down"}), at=later)
    closed = event(
        IncidentClosed, outage.model_copy(update={"title": "Database down", "status": "closed"}), at=later
    )
    stale = event(IncidentUpdated, outage.model_copy(update={"title": "An older title"}), at=created)
    # A batch of one incident's events, in their order, then a late one and a redelivered one.
    await itsm.publish(renamed, closed)
    await itsm.publish(stale)
    await itsm.js.publish(renamed.bus_subject(), renamed.to_json())
    await asyncio.sleep(0.5)
    rows = await itsm.desk.sql("SELECT id, number, title, status, changed_at FROM incidents")
    assert [tuple(row) for row in rows] == [(outage.id, outage.number, "Database down", "closed", later)]
    inbox = await itsm.desk.sql(
        "SELECT count(*) AS handled FROM inbox WHERE consumer = 'timetracking-incidents'"
    )
    assert inbox[0].handled == 4, "a redelivered event is handled once"

    # Time is booked on a closed incident too (the review after it), under the number ITSM gave it.
    ada = Who("ada", (MANAGE,))
    await itsm.book(ada, outage.id, start="09:00", end="10:00")
    assert (await itsm.report(ada, **{"from": "2026-03-10", "to": "2026-03-10"}))["incidents"][0][
        "status"
    ] == ("closed")
