"""Per-ticket timers from the ticket events (applied by the real handlers on a real database) and the
sweep that publishes sla_warning and sla_breached: deadlines from creation in wall-clock hours, first
response, resolution, reopening, an SLA changed on the ticket or on its definition."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.tickets import (
    CommentAdded,
    CommentAddedData,
    CommentSnapshot,
    TicketChangeData,
    TicketCreated,
    TicketDeleted,
    TicketSnapshot,
    TicketStatus,
    TicketUpdated,
)
from helpdesk_common.db import create_engine, create_session_factory
from sla_engine.calendars.schemas import CalendarCreate, HolidayCreate
from sla_engine.calendars.service import create_calendar, create_holiday
from sla_engine.definitions.schemas import SlaDefinitionCreate, SlaDefinitionUpdate
from sla_engine.definitions.service import create_definition, update_definition
from sla_engine.timers.consumers import ticket_events_consumer
from sla_engine.timers.sweep import sweep_once

Sessions = async_sessionmaker[AsyncSession]
Sql = Callable[[str], Awaitable[list[Any]]]
DESK = uuid.UUID(int=7)
HOUR = timedelta(hours=1)


def snapshot(
    ticket_id: uuid.UUID,
    *,
    created_at: datetime,
    updated_at: datetime | None = None,
    sla_id: uuid.UUID | None = None,
    status: str = "open",
    department_id: uuid.UUID | None = DESK,
    number: str = "TKT-000001",
) -> TicketSnapshot:
    return TicketSnapshot(
        id=ticket_id,
        number=number,
        title="Printer on fire",
        status=status,  # type: ignore[arg-type]
        priority="medium",  # type: ignore[arg-type]
        source="manual",  # type: ignore[arg-type]
        department_id=department_id,
        sla_id=sla_id,
        created_at=created_at,
        updated_at=updated_at or created_at,
    )


def created(ticket: TicketSnapshot) -> TicketCreated:
    return TicketCreated.build(
        source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
    )


def updated(ticket: TicketSnapshot, **changes: tuple[Any, Any]) -> TicketUpdated:
    data = TicketChangeData.model_validate(
        {"ticket": ticket, "changes": {k: {"old": old, "new": new} for k, (old, new) in changes.items()}}
    )
    return TicketUpdated.build(source="ticketing", subject=str(ticket.id), data=data)


def deleted(ticket: TicketSnapshot) -> TicketDeleted:
    return TicketDeleted.build(
        source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
    )


def commented(ticket: TicketSnapshot, direction: str, at: datetime) -> CommentAdded:
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction=direction,  # type: ignore[arg-type]
        author_id=None,
        author_name="ada",
        body_text="On it.",
        body_html="<p>On it.</p>",
        created_at=at,
    )
    data = CommentAddedData(ticket=ticket.model_copy(update={"updated_at": at}), comment=comment)
    return CommentAdded.build(source="ticketing", subject=str(ticket.id), data=data)


async def apply(sessions: Sessions, *events: EventEnvelope[Any]) -> None:
    """Through the handlers the consumer registered, one transaction per event as the consumer does."""
    for event in events:
        async with sessions() as session, session.begin():
            await ticket_events_consumer.handlers.single[type(event)](session, event)


async def sla(sessions: Sessions, name: str, response: int | None, resolution: int | None) -> uuid.UUID:
    async with sessions() as session, session.begin():
        data = SlaDefinitionCreate(name=name, response_hours=response, resolution_hours=resolution)
        return (await create_definition(session, data=data)).id


async def published(sql: Sql, *types: str) -> list[dict[str, Any]]:
    rows = await sql("SELECT event_type, subject, payload FROM sla.outbox ORDER BY id")
    return [
        {**orjson.loads(r["payload"]), "bus_subject": r["subject"]} for r in rows if r["event_type"] in types
    ]


async def alerts(sql: Sql) -> list[tuple[str, str, str]]:
    """(ticket number, deadline, event type) of every sla_warning and sla_breached in the outbox."""
    return [
        (e["data"]["ticket"]["number"], e["data"]["deadline"], e["type"])
        for e in await published(sql, "sla_warning", "sla_breached")
    ]


async def timer(sql: Sql, ticket_id: uuid.UUID) -> dict[str, Any]:
    rows = await sql(f"SELECT * FROM sla.ticket_timers WHERE ticket_id = '{ticket_id}'")
    return dict(rows[0])


async def test_a_ticket_created_under_an_sla_gets_deadlines_counted_from_its_creation(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    gold = await sla(sessions, "Gold", 4, 24)
    under_sla, plain, homeless = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    created_at = now - 3 * HOUR
    await apply(
        sessions,
        created(snapshot(under_sla, created_at=created_at, sla_id=gold)),
        created(snapshot(plain, created_at=created_at, number="TKT-000002")),
        created(
            snapshot(homeless, created_at=created_at, sla_id=gold, department_id=None, number="TKT-000003")
        ),
    )

    kept = await timer(sql, under_sla)
    assert kept["response_due_at"] == created_at + 4 * HOUR, "wall-clock hours from creation"
    assert kept["resolution_due_at"] == created_at + 24 * HOUR
    assert kept["next_check_at"] == created_at + 2 * HOUR, "the response warning at half the window"
    assert orjson.loads(kept["ticket"])["number"] == "TKT-000001"
    assert (await timer(sql, plain))["next_check_at"] is None, "a ticket without an SLA has nothing ahead"

    deadlines = await published(sql, "sla_deadlines_set")
    assert [(e["bus_subject"], e["subject"], e["data"]["ticket_number"]) for e in deadlines] == [
        (f"sla.deadlines.{DESK}", str(under_sla), "TKT-000001"),
        ("sla.deadlines.none", str(homeless), "TKT-000003"),
    ], "only tickets under an SLA get deadlines; no department is 'none'"
    assert deadlines[0]["data"] == {
        "ticket_id": str(under_sla),
        "ticket_number": "TKT-000001",
        "department_id": str(DESK),
        "sla_id": str(gold),
        "response_due_at": iso(created_at + 4 * HOUR),
        "resolution_due_at": iso(created_at + 24 * HOUR),
        # The default thresholds: warning with half the window left, critical with a fifth.
        "response_warning_at": iso(created_at + 2 * HOUR),
        "response_critical_at": iso(created_at + 4 * HOUR * 0.8),
        "resolution_warning_at": iso(created_at + 12 * HOUR),
        "resolution_critical_at": iso(created_at + 24 * HOUR * 0.8),
        "response_outcome": None,
        "resolution_outcome": None,
        "paused_since": None,
        "revision": 1,
    }


async def test_an_sla_changed_on_the_ticket_resets_its_deadlines_but_a_changed_definition_does_not(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    gold, silver = await sla(sessions, "Gold", 4, 24), await sla(sessions, "Silver", None, 48)
    ticket_id = uuid.uuid4()
    created_at = now - HOUR
    first = snapshot(ticket_id, created_at=created_at, sla_id=gold)
    await apply(sessions, created(first))
    async with sessions() as session, session.begin():
        await update_definition(session, definition_id=gold, data=SlaDefinitionUpdate(response_hours=1))
    assert (await timer(sql, ticket_id))["response_due_at"] == created_at + 4 * HOUR, (
        "a ticket keeps the promise made when it was created"
    )

    moved = snapshot(
        ticket_id, created_at=created_at, updated_at=now - 30 * timedelta(minutes=1), sla_id=silver
    )
    again = snapshot(
        ticket_id, created_at=created_at, updated_at=now - 20 * timedelta(minutes=1), sla_id=silver
    )
    dropped = snapshot(ticket_id, created_at=created_at, updated_at=now, sla_id=None)
    await apply(sessions, updated(moved, sla_id=(str(gold), str(silver))), updated(again, title=("a", "b")))
    kept = await timer(sql, ticket_id)
    assert kept["response_due_at"] is None and kept["resolution_due_at"] == created_at + 48 * HOUR
    await apply(sessions, updated(dropped, sla_id=(str(silver), None)))
    assert (await timer(sql, ticket_id))["resolution_due_at"] is None

    deadlines = [e["data"] for e in await published(sql, "sla_deadlines_set")]
    assert [
        (d["sla_id"], d["response_due_at"] is None, d["resolution_due_at"] is None) for d in deadlines
    ] == [
        (str(gold), False, False),
        (str(silver), True, False),
        (None, True, True),
    ], "one event per change of SLA, none for other edits"


async def test_events_arriving_out_of_order_keep_the_newest_ticket_and_the_first_response(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    gold = await sla(sessions, "Gold", 4, 24)
    ticket_id = uuid.uuid4()
    created_at = now - HOUR
    original = snapshot(ticket_id, created_at=created_at, sla_id=gold)
    resolved = snapshot(ticket_id, created_at=created_at, updated_at=now, sla_id=gold, status="resolved")
    # Another consumer process handled the resolution first; the creation and a reply come later.
    await apply(
        sessions,
        updated(resolved, status=("open", "resolved")),
        commented(original, "outbound", created_at + timedelta(minutes=20)),
        created(original),
    )
    kept = await timer(sql, ticket_id)
    assert orjson.loads(kept["ticket"])["status"] == "resolved"
    assert kept["responded_at"] == created_at + timedelta(minutes=20)
    assert kept["response_due_at"] == created_at + 4 * HOUR
    assert (kept["response_outcome"], kept["resolution_outcome"]) == ("met", "met")
    revisions = [d["revision"] for d in await deadline_events(sql)]
    assert revisions == [1, 2], "the deadlines with the resolution's outcome, then the response's"


async def test_first_response_resolution_and_reopening_stop_and_resume_the_clocks(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    gold = await sla(sessions, "Gold", 1, 2)
    ticket_id = uuid.uuid4()
    start = now - 3 * HOUR
    ticket = snapshot(ticket_id, created_at=start, sla_id=gold)
    minute = timedelta(minutes=1)
    await apply(
        sessions,
        created(ticket),
        commented(ticket, "internal", start + 5 * minute),
        commented(ticket, "inbound", start + 6 * minute),
    )
    assert (await timer(sql, ticket_id))["responded_at"] is None, (
        "notes and the customer's mail are no response"
    )
    await apply(sessions, commented(ticket, "outbound", start + 10 * minute))
    await apply(sessions, commented(ticket, "outbound", start + 15 * minute))
    assert (await timer(sql, ticket_id))["responded_at"] == start + 10 * minute, "the first one counts"

    # Half the resolution window gone: its warning, and nothing for the answered response clock.
    await sweep_once(sessions, now=start + 70 * minute)
    assert await alerts(sql) == [("TKT-000001", "resolution", "sla_warning")]

    resolved = ticket.model_copy(update={"status": TicketStatus.RESOLVED, "updated_at": start + 80 * minute})
    await apply(sessions, updated(resolved, status=("open", "resolved")))
    assert (await timer(sql, ticket_id))["next_check_at"] is None
    await sweep_once(sessions, now=start + 150 * minute)
    assert len(await alerts(sql)) == 1, "no breach for a stopped clock, though its deadline passed"

    reopened = ticket.model_copy(update={"status": TicketStatus.OPEN, "updated_at": start + 160 * minute})
    await apply(sessions, updated(reopened, status=("resolved", "open")))
    assert (await timer(sql, ticket_id))["resolution_due_at"] == start + 2 * HOUR, (
        "reopening keeps the deadline"
    )
    await sweep_once(sessions, now=start + 165 * minute)
    await sweep_once(sessions, now=start + 170 * minute)
    assert await alerts(sql) == [
        ("TKT-000001", "resolution", "sla_warning"),
        ("TKT-000001", "resolution", "sla_breached"),
    ]
    closed = reopened.model_copy(update={"status": TicketStatus.CLOSED, "updated_at": start + 171 * minute})
    await apply(sessions, updated(closed, status=("open", "closed")))
    assert (await timer(sql, ticket_id))["next_check_at"] is None


async def test_a_warning_and_a_breach_are_published_once_each_per_deadline(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    short = await sla(sessions, "Short", 1, 3)
    ticket_id, late = uuid.uuid4(), uuid.uuid4()
    minute = timedelta(minutes=1)
    await apply(
        sessions,
        # 40 of 60 minutes gone: a third of the response window left.
        created(snapshot(ticket_id, created_at=now - 40 * minute, sla_id=short)),
        # Seen for the first time after its response deadline: the breach alone, no late warning.
        created(snapshot(late, created_at=now - 61 * minute, sla_id=short, number="TKT-000002")),
    )
    assert await alerts(sql) == []

    first = await sweep_once(sessions, now=now)
    assert (first.warnings, first.breaches) == (1, 1)
    assert sorted(await alerts(sql)) == [
        ("TKT-000001", "response", "sla_warning"),
        ("TKT-000002", "response", "sla_breached"),
    ]
    again = await sweep_once(sessions, now=now + minute)
    assert (again.warnings, again.breaches) == (0, 0)

    await sweep_once(sessions, now=now + 25 * minute)
    await sweep_once(sessions, now=now + HOUR)
    await sweep_once(sessions, now=now + 4 * HOUR)
    await sweep_once(sessions, now=now + 5 * HOUR)
    counted = Counter(await alerts(sql))
    assert counted == {
        ("TKT-000001", "response", "sla_warning"): 1,
        ("TKT-000001", "response", "sla_breached"): 1,
        ("TKT-000001", "resolution", "sla_warning"): 1,
        ("TKT-000001", "resolution", "sla_breached"): 1,
        ("TKT-000002", "response", "sla_breached"): 1,
        ("TKT-000002", "resolution", "sla_warning"): 1,
        ("TKT-000002", "resolution", "sla_breached"): 1,
    }
    breach = (await published(sql, "sla_breached"))[0]
    assert breach["bus_subject"] == f"ticket.sla_breached.{DESK}"
    assert breach["data"]["sla_id"] == str(short) and breach["source"] == "sla-engine"
    assert breach["data"]["ticket"]["id"] == breach["subject"]


async def test_two_replicas_sweeping_at_once_publish_each_alert_exactly_once(
    sessions: Sessions, sql: Sql, now: datetime, sla_url: str
) -> None:
    short = await sla(sessions, "Short", 1, 2)
    minute = timedelta(minutes=1)
    tickets = [
        # From fresh to long overdue: warnings, breaches, and both at once.
        created(
            snapshot(uuid.uuid4(), created_at=now - (i % 150) * minute, sla_id=short, number=f"T-{i:06d}")
        )
        for i in range(400)
    ]
    await apply(sessions, *tickets)

    engines: list[AsyncEngine] = [create_engine(sla_url, schema="sla", pool_size=2) for _ in range(2)]
    try:
        await asyncio.gather(
            *(sweep_once(create_session_factory(engine), now=now, batch_size=25) for engine in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()

    counted = Counter(await alerts(sql))
    assert counted and set(counted.values()) == {1}, "no alert twice"
    expected: set[tuple[str, str, str]] = set()
    for event in tickets:
        age = now - event.data.ticket.created_at
        number = event.data.ticket.number
        for kind, hours in (("response", 1), ("resolution", 2)):
            window = timedelta(hours=hours)
            if age >= window:
                expected.add((number, kind, "sla_breached"))
            elif age >= window / 2:
                expected.add((number, kind, "sla_warning"))
    assert set(counted) == expected


async def test_a_deleted_ticket_raises_no_more_alerts_and_a_late_event_does_not_revive_it(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    short = await sla(sessions, "Short", 1, 3)
    kept_id, gone_id, unseen_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    minute = timedelta(minutes=1)
    kept = snapshot(kept_id, created_at=now - 40 * minute, sla_id=short)
    gone = snapshot(gone_id, created_at=now - 40 * minute, sla_id=short, number="TKT-000002")
    await apply(sessions, created(kept), created(gone), deleted(gone))
    late_edit = gone.model_copy(update={"updated_at": now, "title": "edited before the delete"})
    await apply(sessions, updated(late_edit, title=("Printer on fire", "edited before the delete")))
    # Deleted before the engine ever heard of it (its creation is still on the way).
    never = snapshot(unseen_id, created_at=now - 40 * minute, sla_id=short, number="TKT-000003")
    await apply(sessions, deleted(never), created(never))

    for ticket_id in (gone_id, unseen_id):
        tombstone = await timer(sql, ticket_id)
        assert tombstone["deleted_at"] is not None and tombstone["next_check_at"] is None
    await sweep_once(sessions, now=now)
    await sweep_once(sessions, now=now + 4 * HOUR)
    assert {number for number, _, _ in await alerts(sql)} == {"TKT-000001"}, (
        "only the ticket that still exists is warned about"
    )


async def sla_with(sessions: Sessions, name: str, **fields: Any) -> uuid.UUID:
    async with sessions() as session, session.begin():
        return (await create_definition(session, data=SlaDefinitionCreate(name=name, **fields))).id


async def test_an_slas_own_thresholds_decide_when_it_warns_and_where_the_chip_turns(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    early = await sla_with(sessions, "Early", resolution_hours=10, warning_share=0.8, critical_share=0.3)
    ticket_id = uuid.uuid4()
    start = now - 90 * timedelta(minutes=1)
    await apply(sessions, created(snapshot(ticket_id, created_at=start, sla_id=early)))

    kept = await timer(sql, ticket_id)
    assert kept["resolution_warning_due_at"] == start + 2 * HOUR, "80 % of ten hours left"
    assert kept["resolution_critical_at"] == start + 7 * HOUR, "30 % left"
    (deadlines,) = [e["data"] for e in await published(sql, "sla_deadlines_set")]
    assert deadlines["resolution_warning_at"] == (start + 2 * HOUR).isoformat().replace("+00:00", "Z")
    assert deadlines["resolution_critical_at"] == (start + 7 * HOUR).isoformat().replace("+00:00", "Z")
    assert deadlines["revision"] == 1

    await sweep_once(sessions, now=start + 119 * timedelta(minutes=1))
    assert await alerts(sql) == [], "not before its own threshold"
    await sweep_once(sessions, now=start + 2 * HOUR)
    assert await alerts(sql) == [("TKT-000001", "resolution", "sla_warning")]


async def test_an_sla_that_pauses_while_waiting_moves_its_deadlines_by_the_time_waited(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    patient = await sla_with(
        sessions, "Patient", response_hours=2, resolution_hours=4, pause_while_waiting=True
    )
    ticket_id = uuid.uuid4()
    start = now - 5 * HOUR
    ticket = snapshot(ticket_id, created_at=start, sla_id=patient)
    waiting = ticket.model_copy(update={"status": TicketStatus.WAITING, "updated_at": start + HOUR})
    back = ticket.model_copy(update={"status": TicketStatus.OPEN, "updated_at": start + 3 * HOUR})
    await apply(sessions, created(ticket), updated(waiting, status=("open", "waiting")))

    paused = await timer(sql, ticket_id)
    assert paused["paused_since"] == start + HOUR and paused["next_check_at"] is None, "no alert while paused"
    await sweep_once(sessions, now=start + 150 * timedelta(minutes=1))
    assert await alerts(sql) == [], "the response deadline passed on the wall, not on the SLA's clock"

    await apply(sessions, updated(back, status=("waiting", "open")))
    resumed = await timer(sql, ticket_id)
    assert resumed["paused_since"] is None and resumed["paused_seconds"] == 2 * 3600
    assert resumed["response_due_at"] == start + 4 * HOUR, "two hours later, as long as it waited"
    assert resumed["resolution_due_at"] == start + 6 * HOUR
    assert resumed["response_warning_due_at"] == start + 3 * HOUR
    states = [(d["paused_since"] is not None, d["response_due_at"]) for d in await deadline_events(sql)]
    assert states == [
        (False, iso(start + 2 * HOUR)),
        (True, iso(start + 2 * HOUR)),
        (False, iso(start + 4 * HOUR)),
    ], "each change of what the chip shows is published"


async def test_outcomes_say_whether_each_target_was_met_or_breached(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    gold = await sla(sessions, "Gold", 1, 4)
    in_time, too_late = uuid.uuid4(), uuid.uuid4()
    start = now - 6 * HOUR
    minute = timedelta(minutes=1)
    quick = snapshot(in_time, created_at=start, sla_id=gold)
    slow = snapshot(too_late, created_at=start, sla_id=gold, number="TKT-000002")
    await apply(
        sessions,
        created(quick),
        created(slow),
        commented(quick, "outbound", start + 30 * minute),
        commented(slow, "outbound", start + 90 * minute),
    )
    # The sweep has not yet said "breached" when the slow ticket is resolved: the times decide.
    await apply(
        sessions,
        updated(quick.model_copy(update={"status": TicketStatus.RESOLVED, "updated_at": start + 3 * HOUR})),
        updated(slow.model_copy(update={"status": TicketStatus.RESOLVED, "updated_at": start + 5 * HOUR})),
    )
    met, breached = await timer(sql, in_time), await timer(sql, too_late)
    assert (met["response_outcome"], met["resolution_outcome"]) == ("met", "met")
    assert (breached["response_outcome"], breached["resolution_outcome"]) == ("breached", "breached")
    newest = {d["ticket_id"]: d for d in await deadline_events(sql)}
    assert newest[str(too_late)]["resolution_outcome"] == "breached"
    assert newest[str(in_time)]["resolution_outcome"] == "met"

    reopened = quick.model_copy(update={"status": TicketStatus.OPEN, "updated_at": start + 5 * HOUR})
    await apply(sessions, updated(reopened, status=("resolved", "open")))
    again = await timer(sql, in_time)
    assert again["resolution_outcome"] is None and again["response_outcome"] == "met"
    assert again["resolution_due_at"] == start + 4 * HOUR, "a ticket keeps the deadlines set at creation"


async def test_an_sla_that_restarts_on_reopening_counts_again_from_the_reopen_time(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    fresh = await sla_with(
        sessions, "Fresh", response_hours=1, resolution_hours=4, on_reopen="restart_from_reopen"
    )
    ticket_id = uuid.uuid4()
    start = now - 10 * HOUR
    ticket = snapshot(ticket_id, created_at=start, sla_id=fresh)
    resolved = ticket.model_copy(update={"status": TicketStatus.RESOLVED, "updated_at": start + 5 * HOUR})
    reopened = ticket.model_copy(update={"status": TicketStatus.OPEN, "updated_at": start + 8 * HOUR})
    await apply(sessions, created(ticket), updated(resolved), updated(reopened))
    await sweep_once(sessions, now=start + 8 * HOUR)

    kept = await timer(sql, ticket_id)
    assert kept["started_at"] == start + 8 * HOUR
    assert (kept["response_due_at"], kept["resolution_due_at"]) == (start + 9 * HOUR, start + 12 * HOUR)
    assert kept["resolution_outcome"] is None and kept["response_breached_at"] is None
    assert await alerts(sql) == [], "the old window's breach is not raised for the new one"


async def test_an_sla_counting_a_business_calendar_skips_evenings_weekends_and_holidays(
    sessions: Sessions, sql: Sql
) -> None:
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
        await create_holiday(
            session,
            calendar_id=office.id,
            data=HolidayCreate.model_validate({"date": "2026-06-08", "name": "Company day"}),
        )
    business = await sla_with(sessions, "Business", response_hours=2, calendar_id=office.id)
    ticket_id = uuid.uuid4()
    # Friday 16:00 in Berlin (summer time, UTC+2): one working hour that day, Monday off.
    friday = datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    await apply(sessions, created(snapshot(ticket_id, created_at=friday, sla_id=business)))

    kept = await timer(sql, ticket_id)
    assert kept["response_due_at"] == datetime(2026, 6, 9, 8, 0, tzinfo=UTC), "Tuesday 10:00 in Berlin"
    assert kept["response_warning_due_at"] == datetime(2026, 6, 5, 15, 0, tzinfo=UTC), "half: Friday 17:00"
    assert kept["response_critical_at"] == datetime(2026, 6, 9, 7, 36, tzinfo=UTC), "a fifth left: 09:36"
    await sweep_once(sessions, now=datetime(2026, 6, 9, 7, 59, tzinfo=UTC))
    assert await alerts(sql) == [("TKT-000001", "response", "sla_warning")], "not breached over the weekend"
    await sweep_once(sessions, now=datetime(2026, 6, 9, 8, 0, tzinfo=UTC))
    assert (await alerts(sql))[-1] == ("TKT-000001", "response", "sla_breached")


async def test_compliance_counts_each_target_met_breached_or_pending_per_department_customer_and_operator(
    sessions: Sessions,
    sla_client: httpx.AsyncClient,
    as_operator: Callable[..., dict[str, str]],
    switch_module: Callable[[bool], Awaitable[None]],
    now: datetime,
) -> None:
    """The read the statistics page and the ITSM report use (docs/sla.md defines each count)."""
    await switch_module(True)
    gold = await sla(sessions, "Gold", 1, 8)
    other_desk, acme, ada = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = now - 3 * HOUR
    minute = timedelta(minutes=1)

    def ticket(number: int, **fields: Any) -> TicketSnapshot:
        base = snapshot(uuid.uuid4(), created_at=start, sla_id=gold, number=f"TKT-{number:06d}")
        return base.model_copy(update=fields)

    answered_in_time = ticket(1, customer_id=acme, assignee_id=ada, assignee_username="ada")
    answered_late = ticket(2, customer_id=acme)
    unanswered = ticket(3, department_id=other_desk)
    resolved_in_time = ticket(4, assignee_id=ada, assignee_username="ada")
    young = snapshot(uuid.uuid4(), created_at=now - 10 * minute, sla_id=gold, number="TKT-000005")
    before_the_range = snapshot(uuid.uuid4(), created_at=now - 50 * HOUR, sla_id=gold, number="TKT-000006")
    without_sla = snapshot(uuid.uuid4(), created_at=start, number="TKT-000007")
    await apply(
        sessions,
        *(created(t) for t in (answered_in_time, answered_late, unanswered, resolved_in_time, young)),
        created(before_the_range),
        created(without_sla),
        commented(answered_in_time, "outbound", start + 20 * minute),
        commented(answered_late, "outbound", start + 90 * minute),
        commented(resolved_in_time, "outbound", start + 5 * minute),
        updated(
            resolved_in_time.model_copy(update={"status": TicketStatus.RESOLVED, "updated_at": start + HOUR})
        ),
    )
    headers = as_operator("tickets_enabled", "tickets_view_statistics", "tickets_view_all_departments")
    since = (now - 24 * HOUR).isoformat()
    answer = await sla_client.get("/compliance", params={"since": since}, headers=headers)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    total = report["total"]
    assert total["tickets"] == 5, "created in the range under an SLA"
    assert total["response"] == {"met": 2, "breached": 2, "pending": 1, "compliance": 0.5}, (
        "late answer and no answer past the hour breach; the young ticket is pending"
    )
    assert total["resolution"] == {"met": 1, "breached": 0, "pending": 4, "compliance": 1.0}
    departments = {g["id"]: g for g in report["by_department"]}
    assert departments[str(other_desk)]["response"]["breached"] == 1
    assert departments[str(DESK)]["tickets"] == 4
    customers = {g["id"]: g for g in report["by_customer"]}
    assert customers[str(acme)]["response"] == {"met": 1, "breached": 1, "pending": 0, "compliance": 0.5}
    operators = {g["id"]: g for g in report["by_operator"]}
    assert operators[str(ada)]["name"] == "ada" and operators[str(ada)]["response"]["met"] == 2
    assert report["by_operator"][-1]["id"] is None, "the unassigned last"

    # Department visibility as on the queue; the statistics flag; a range that makes sense.
    own_desk = as_operator("tickets_enabled", "tickets_view_statistics", departments=(other_desk,))
    seen = (await sla_client.get("/compliance", params={"since": since}, headers=own_desk)).json()
    assert seen["total"]["tickets"] == 1
    refused = await sla_client.get("/compliance", headers=as_operator("tickets_enabled"))
    assert refused.status_code == 403
    backwards = await sla_client.get(
        "/compliance", params={"since": now.isoformat(), "until": since}, headers=headers
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "since"
    naive = await sla_client.get("/compliance", params={"since": "2026-01-01T00:00:00"}, headers=headers)
    assert naive.status_code == 422


async def deadline_events(sql: Sql) -> list[dict[str, Any]]:
    return [e["data"] for e in await published(sql, "sla_deadlines_set")]


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
