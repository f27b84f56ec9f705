"""Per-incident timers from the incident events (applied by the real handlers on a real database, and
once through the real consumer on NATS) and the sweep that breaches them: deadlines from creation in
the SLA's clock and shares, the acknowledgement as the response, resolution and closing, reopening,
an SLA changed on the incident, and breaches published once however many sweep."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import orjson
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.clock import SettableClock
from helpdesk_common.contracts.itsm import (
    IncidentAcknowledged,
    IncidentChangeData,
    IncidentClosed,
    IncidentCreated,
    IncidentReopened,
    IncidentResolved,
    IncidentSnapshot,
    IncidentUpdated,
)
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.testing.infrastructure import TestServers
from sla_engine.calendars.schemas import CalendarCreate
from sla_engine.calendars.service import create_calendar
from sla_engine.definitions.schemas import SlaDefinitionCreate
from sla_engine.definitions.service import create_definition
from sla_engine.incidents.consumers import incident_events_consumer
from sla_engine.timers.sweep import sweep_once

Sessions = async_sessionmaker[AsyncSession]
Sql = Callable[[str], Awaitable[list[Any]]]
IncidentEvent = (
    IncidentCreated
    | IncidentUpdated
    | IncidentAcknowledged
    | IncidentResolved
    | IncidentReopened
    | IncidentClosed
)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def incident(
    incident_id: uuid.UUID,
    *,
    created_at: datetime,
    sla_id: uuid.UUID | None = None,
    number: str = "INC-000001",
) -> IncidentSnapshot:
    return IncidentSnapshot(
        id=incident_id,
        number=number,
        title="Disk full on db-1",
        status="open",
        severity="critical",
        impact="high",
        urgency="high",
        priority="P1",
        sla_id=sla_id,
        created_at=created_at,
        updated_at=created_at,
    )


def changed(snapshot: IncidentSnapshot, at: datetime, **fields: Any) -> IncidentSnapshot:
    return snapshot.model_copy(update={"updated_at": at, **fields})


def event(contract: type[IncidentEvent], snapshot: IncidentSnapshot) -> IncidentEvent:
    return contract.build(source="itsm", subject=str(snapshot.id), data=IncidentChangeData(incident=snapshot))


async def apply(sessions: Sessions, *events: IncidentEvent) -> None:
    """Through the handlers the consumer registered, one transaction per event as the consumer does."""
    for one in events:
        async with sessions() as session, session.begin():
            await incident_events_consumer.handlers.single[type(one)](session, one)


async def sla_with(sessions: Sessions, name: str, **fields: Any) -> uuid.UUID:
    async with sessions() as session, session.begin():
        return (await create_definition(session, data=SlaDefinitionCreate(name=name, **fields))).id


async def deadlines(sql: Sql) -> list[dict[str, Any]]:
    """Every sla_incident_deadlines_set in the outbox, oldest first, with the subject it goes out on."""
    rows = await sql("SELECT event_type, subject, payload FROM sla.outbox ORDER BY id")
    return [
        {**orjson.loads(r["payload"]), "bus_subject": r["subject"]}
        for r in rows
        if r["event_type"] == "sla_incident_deadlines_set"
    ]


async def outcomes(sql: Sql) -> list[tuple[int, str | None, str | None]]:
    """(revision, response outcome, resolution outcome) of each published deadlines event."""
    return [
        (d["data"]["revision"], d["data"]["response_outcome"], d["data"]["resolution_outcome"])
        for d in await deadlines(sql)
    ]


async def timer(sql: Sql, incident_id: uuid.UUID) -> dict[str, Any]:
    rows = await sql(f"SELECT * FROM sla.incident_timers WHERE incident_id = '{incident_id}'")
    return dict(rows[0])


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_an_incident_created_under_an_sla_gets_its_deadlines_published(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    major = await sla_with(
        sessions, "Major", response_hours=1, resolution_hours=4, warning_share=0.75, critical_share=0.25
    )
    under_sla, plain = uuid.uuid4(), uuid.uuid4()
    created_at = now - 10 * MINUTE
    await apply(
        sessions,
        event(IncidentCreated, incident(under_sla, created_at=created_at, sla_id=major)),
        event(IncidentCreated, incident(plain, created_at=created_at, number="INC-000002")),
    )

    kept = await timer(sql, under_sla)
    assert (kept["response_due_at"], kept["resolution_due_at"]) == (created_at + HOUR, created_at + 4 * HOUR)
    assert kept["next_check_at"] == created_at + HOUR, "the response deadline: incidents are not warned of"
    assert (await timer(sql, plain))["next_check_at"] is None, "an incident without an SLA has nothing ahead"

    (published,) = await deadlines(sql)
    assert (published["bus_subject"], published["subject"], published["source"]) == (
        "sla.incident_deadlines",
        str(under_sla),
        "sla-engine",
    )
    assert published["data"] == {
        "incident_id": str(under_sla),
        "incident_number": "INC-000001",
        "sla_id": str(major),
        "started_at": iso(created_at),
        "response_due_at": iso(created_at + HOUR),
        "resolution_due_at": iso(created_at + 4 * HOUR),
        # The SLA's own shares of the window still left: warning with three quarters, critical with one.
        "response_warning_at": iso(created_at + 15 * MINUTE),
        "response_critical_at": iso(created_at + 45 * MINUTE),
        "resolution_warning_at": iso(created_at + HOUR),
        "resolution_critical_at": iso(created_at + 3 * HOUR),
        "response_outcome": None,
        "resolution_outcome": None,
        "revision": 1,
    }

    assigned = changed(incident(under_sla, created_at=created_at, sla_id=major), now, title="Disk full")
    await apply(sessions, event(IncidentUpdated, assigned))
    assert len(await deadlines(sql)) == 1, "an edit that moves no deadline publishes nothing"


async def test_an_incidents_sla_counts_in_its_business_calendar(sessions: Sessions, sql: Sql) -> None:
    async with sessions() as session, session.begin():
        office = await create_calendar(
            session,
            data=CalendarCreate.model_validate(
                {
                    "name": "Berlin office",
                    "time_zone": "Europe/Berlin",
                    "working_hours": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
                }
            ),
        )
    business = await sla_with(
        sessions, "Business", response_hours=2, resolution_hours=8, calendar_id=office.id
    )
    incident_id = uuid.uuid4()
    # Friday 16:00 in Berlin (summer time, UTC+2): one working hour that day.
    friday = datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    await apply(sessions, event(IncidentCreated, incident(incident_id, created_at=friday, sla_id=business)))

    kept = await timer(sql, incident_id)
    assert kept["response_due_at"] == datetime(2026, 6, 8, 8, 0, tzinfo=UTC), "Monday 10:00 in Berlin"
    assert kept["resolution_due_at"] == datetime(2026, 6, 8, 14, 0, tzinfo=UTC), "Monday 16:00"
    await sweep_once(sessions, now=datetime(2026, 6, 7, 12, 0, tzinfo=UTC))
    assert await outcomes(sql) == [(1, None, None)], "not breached over the weekend"


async def test_acknowledging_meets_the_response_and_resolving_stops_both_clocks(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    major = await sla_with(sessions, "Major", response_hours=1, resolution_hours=4)
    incident_id = uuid.uuid4()
    start = now - 6 * HOUR
    opened = incident(incident_id, created_at=start, sla_id=major)
    acknowledged = changed(
        opened, start + 20 * MINUTE, status="acknowledged", acknowledged_at=start + 20 * MINUTE
    )
    await apply(sessions, event(IncidentCreated, opened), event(IncidentAcknowledged, acknowledged))

    kept = await timer(sql, incident_id)
    assert (kept["responded_at"], kept["response_outcome"]) == (start + 20 * MINUTE, "met")
    assert kept["next_check_at"] == start + 4 * HOUR, "only the resolution clock runs"
    await sweep_once(sessions, now=start + 2 * HOUR)
    assert await outcomes(sql) == [(1, None, None), (2, "met", None)], "no breach of an answered response"

    resolved = changed(acknowledged, start + 3 * HOUR, status="resolved", resolved_at=start + 3 * HOUR)
    await apply(sessions, event(IncidentResolved, resolved))
    assert (await timer(sql, incident_id))["next_check_at"] is None
    await sweep_once(sessions, now=start + 5 * HOUR)
    assert await outcomes(sql) == [(1, None, None), (2, "met", None), (3, "met", "met")], (
        "resolved in time, and no breach for a stopped clock though its deadline passed"
    )

    closed = changed(resolved, start + 5 * HOUR, status="closed", closed_at=start + 5 * HOUR)
    await apply(sessions, event(IncidentClosed, closed))
    assert len(await deadlines(sql)) == 3, "closing a resolved incident decides nothing new"

    # Closed without a resolution or an acknowledgement (gathered into a storm, say), after its
    # deadlines: both targets breached, the closing being the response too.
    late_id = uuid.uuid4()
    late = incident(late_id, created_at=start, sla_id=major, number="INC-000002")
    gathered = changed(late, start + 5 * HOUR, status="closed", closed_at=start + 5 * HOUR)
    await apply(sessions, event(IncidentCreated, late), event(IncidentClosed, gathered))
    newest = (await deadlines(sql))[-1]["data"]
    assert (newest["incident_number"], newest["response_outcome"], newest["resolution_outcome"]) == (
        "INC-000002",
        "breached",
        "breached",
    )


async def test_the_sweep_breaches_each_open_target_once_at_its_deadline(sessions: Sessions, sql: Sql) -> None:
    major = await sla_with(sessions, "Major", response_hours=1, resolution_hours=4)
    clock = SettableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    incident_id = uuid.uuid4()
    opened = incident(incident_id, created_at=clock.now(), sla_id=major)
    await apply(sessions, event(IncidentCreated, opened))

    clock.advance(59 * MINUTE)
    assert (await sweep_once(sessions, now=clock.now())).breaches == 0
    clock.advance(MINUTE)
    assert (await sweep_once(sessions, now=clock.now())).breaches == 1
    assert await outcomes(sql) == [(1, None, None), (2, "breached", None)]
    kept = await timer(sql, incident_id)
    assert (
        kept["response_breached_at"] == clock.now() and kept["next_check_at"] == opened.created_at + 4 * HOUR
    )
    clock.advance(MINUTE)
    assert (await sweep_once(sessions, now=clock.now())).breaches == 0, "once per deadline"

    # Acknowledged late: the breach the sweep published stands (itsm acted on it).
    late = changed(opened, clock.now(), status="acknowledged", acknowledged_at=clock.now())
    await apply(sessions, event(IncidentAcknowledged, late))
    assert (await timer(sql, incident_id))["response_outcome"] == "breached"
    clock.advance(3 * HOUR)
    await sweep_once(sessions, now=clock.now())
    resolved_at = clock.advance(HOUR)
    resolved = changed(late, resolved_at, status="resolved", resolved_at=resolved_at)
    await apply(sessions, event(IncidentResolved, resolved))
    assert await outcomes(sql) == [(1, None, None), (2, "breached", None), (3, "breached", "breached")], (
        "the resolution's breach from the sweep, and nothing new when it was resolved after it"
    )


async def test_reopening_counts_both_windows_again_from_the_reopen_time_whatever_the_sla_says_for_tickets(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    # keep_deadlines, the tickets' default: incidents restart from the reopening all the same.
    major = await sla_with(
        sessions, "Major", response_hours=1, resolution_hours=4, on_reopen="keep_deadlines"
    )
    incident_id = uuid.uuid4()
    start = now - 10 * HOUR
    opened = incident(incident_id, created_at=start, sla_id=major)
    acknowledged = changed(
        opened, start + 10 * MINUTE, status="acknowledged", acknowledged_at=start + 10 * MINUTE
    )
    resolved = changed(acknowledged, start + 5 * HOUR, status="resolved", resolved_at=start + 5 * HOUR)
    reopened_at = start + 8 * HOUR
    reopened = changed(resolved, reopened_at, status="open", reopened_at=reopened_at, resolved_at=None)
    await apply(
        sessions,
        event(IncidentCreated, opened),
        event(IncidentAcknowledged, acknowledged),
        event(IncidentResolved, resolved),
    )
    assert (await outcomes(sql))[-1] == (3, "met", "breached")
    await apply(sessions, event(IncidentReopened, reopened))

    kept = await timer(sql, incident_id)
    assert kept["started_at"] == reopened_at
    assert (kept["response_due_at"], kept["resolution_due_at"]) == (
        reopened_at + HOUR,
        reopened_at + 4 * HOUR,
    )
    assert kept["responded_at"] is None, "the acknowledgement before the reopening answers nothing now"
    newest = (await deadlines(sql))[-1]["data"]
    assert (
        newest["revision"],
        newest["started_at"],
        newest["response_outcome"],
        newest["resolution_outcome"],
    ) == (
        4,
        iso(reopened_at),
        None,
        None,
    )

    await sweep_once(sessions, now=reopened_at + 59 * MINUTE)
    assert len(await deadlines(sql)) == 4, "the old windows' deadlines passed long ago: no breach from them"
    await sweep_once(sessions, now=reopened_at + HOUR)
    assert (await outcomes(sql))[-1] == (5, "breached", None), "the new response window, breached"

    # An acknowledgement and a resolution in the new window decide its targets.
    again = changed(
        reopened, reopened_at + 2 * HOUR, status="resolved", acknowledged_at=reopened_at + 90 * MINUTE
    )
    again = again.model_copy(update={"resolved_at": reopened_at + 2 * HOUR})
    await apply(sessions, event(IncidentResolved, again))
    assert (await outcomes(sql))[-1] == (6, "breached", "met")


async def test_an_sla_changed_on_the_incident_counts_its_windows_afresh_and_a_removed_one_clears_them(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    major = await sla_with(sessions, "Major", response_hours=1, resolution_hours=4)
    minor = await sla_with(sessions, "Minor", resolution_hours=24)
    incident_id = uuid.uuid4()
    start = now - 2 * HOUR
    opened = incident(incident_id, created_at=start, sla_id=None)
    await apply(sessions, event(IncidentCreated, opened))
    assert await deadlines(sql) == [], "no SLA, no deadlines"

    await apply(
        sessions,
        event(IncidentUpdated, changed(opened, start + MINUTE, sla_id=major)),
        event(IncidentUpdated, changed(opened, start + 2 * MINUTE, sla_id=minor)),
        event(IncidentUpdated, changed(opened, start + 3 * MINUTE, sla_id=None)),
    )
    assert [
        (
            d["data"]["sla_id"],
            d["data"]["response_due_at"],
            d["data"]["resolution_due_at"],
            d["data"]["revision"],
        )
        for d in await deadlines(sql)
    ] == [
        (str(major), iso(start + HOUR), iso(start + 4 * HOUR), 1),
        (str(minor), None, iso(start + 24 * HOUR), 2),
        (None, None, None, 3),
    ], "counted from the incident's creation each time"
    assert (await timer(sql, incident_id))["next_check_at"] is None


async def test_events_arriving_out_of_order_keep_the_newest_incident(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    major = await sla_with(sessions, "Major", response_hours=1, resolution_hours=4)
    incident_id = uuid.uuid4()
    start = now - HOUR
    opened = incident(incident_id, created_at=start, sla_id=major)
    acknowledged = changed(
        opened, start + 5 * MINUTE, status="acknowledged", acknowledged_at=start + 5 * MINUTE
    )
    resolved = changed(acknowledged, start + 30 * MINUTE, status="resolved", resolved_at=start + 30 * MINUTE)
    # Another consumer process handled the resolution first; the creation and the acknowledgement later.
    await apply(
        sessions,
        event(IncidentResolved, resolved),
        event(IncidentCreated, opened),
        event(IncidentAcknowledged, acknowledged),
    )
    kept = await timer(sql, incident_id)
    assert (kept["status"], kept["response_outcome"], kept["resolution_outcome"]) == (
        "resolved",
        "met",
        "met",
    )
    assert await outcomes(sql) == [(1, "met", "met")]


async def test_two_replicas_sweeping_at_once_breach_each_incident_target_exactly_once(
    sessions: Sessions, sql: Sql, now: datetime, sla_url: str
) -> None:
    short = await sla_with(sessions, "Short", response_hours=1, resolution_hours=2)
    incidents = [
        # From fresh to long overdue: nothing, the response breached, both.
        incident(uuid.uuid4(), created_at=now - (i % 150) * MINUTE, sla_id=short, number=f"INC-{i:06d}")
        for i in range(300)
    ]
    await apply(sessions, *(event(IncidentCreated, one) for one in incidents))

    engines: list[AsyncEngine] = [create_engine(sla_url, schema="sla", pool_size=2) for _ in range(2)]
    try:
        await asyncio.gather(
            *(sweep_once(create_session_factory(engine), now=now, batch_size=25) for engine in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()

    breaches = Counter(
        (d["data"]["incident_number"], kind)
        for d in await deadlines(sql)
        for kind in ("response", "resolution")
        if d["data"][f"{kind}_outcome"] == "breached"
    )
    expected = {
        (one.number, kind)
        for one in incidents
        for kind, hours in (("response", 1), ("resolution", 2))
        if now - one.created_at >= timedelta(hours=hours)
    }
    assert set(breaches) == expected and set(breaches.values()) == {1}, "each breach published once"
    published = Counter(d["data"]["incident_number"] for d in await deadlines(sql))
    overdue = {number for number, _ in expected}
    assert all(published[number] == 2 for number in overdue), (
        "its deadlines, then one event with its breaches"
    )


async def test_the_consumer_on_the_bus_sets_the_deadlines_once_for_an_event_delivered_twice(
    sessions: Sessions, sql: Sql, now: datetime, servers: TestServers, jetstream: JetStreamContext
) -> None:
    major = await sla_with(sessions, "Major", response_hours=1, resolution_hours=4)
    created = event(IncidentCreated, incident(uuid.uuid4(), created_at=now, sla_id=major))
    client = await nats.connect(servers.nats_url)
    stop = asyncio.Event()
    # First: the consumer starts at the stream's end (what came before is learnt from itsm's states).
    await ensure_consumer(client.jetstream(), incident_events_consumer.spec)
    for message_id in ("first", "redelivered"):
        # The same event as a second message, as a relay publishing it again after the window would.
        await jetstream.publish(created.bus_subject(), created.to_json(), headers={"Nats-Msg-Id": message_id})

    running = asyncio.create_task(incident_events_consumer.run(client, sessions, stop))
    try:
        for _ in range(200):
            info = await client.jetstream().consumer_info("ITSM", incident_events_consumer.spec.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0 and await deadlines(sql):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running, 15)
        await client.close()
    assert await outcomes(sql) == [(1, None, None)]
