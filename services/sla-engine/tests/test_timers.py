"""Per-ticket timers from the ticket events (applied by the real handlers on a real database) and the
sweep that publishes sla_warning and sla_breached: deadlines from creation in wall-clock hours, first
response, resolution, reopening, an SLA changed on the ticket or on its definition."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

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
        "response_due_at": (created_at + 4 * HOUR).isoformat().replace("+00:00", "Z"),
        "resolution_due_at": (created_at + 24 * HOUR).isoformat().replace("+00:00", "Z"),
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
    assert len(await published(sql, "sla_deadlines_set")) == 1


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
