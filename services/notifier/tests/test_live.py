"""Live updates on real NATS and PostgreSQL, over real HTTP on loopback (an event stream cannot be read
through httpx's in-process transport, which waits for the whole answer): what an operator sees, resume
with Last-Event-ID, a slow client cut off, presence between operators on two notifier processes, the
unread counter, the tickets from before the stream learnt from ticketing, and the flag on every
endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import orjson
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER, Operator, generate_key_pair, mint_internal_token
from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.ticket_states import TICKET_STATES_SUBJECT, TicketState, TicketStatesPage
from helpdesk_common.contracts.ticketing import TicketSettingsChanged, TicketSettingsData
from helpdesk_common.contracts.tickets import (
    CommentAdded,
    CommentAddedData,
    CommentDirection,
    CommentSnapshot,
    TicketChangeData,
    TicketCreated,
    TicketPriority,
    TicketSnapshot,
    TicketSource,
    TicketStatus,
    TicketUpdated,
)
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime, build_app
from helpdesk_common.testing.http import serving
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from notifier.live.bootstrap import live_tickets_bootstrap_run
from notifier.live.projection import tickets_consumer
from notifier.main import service
from notifier.projections import module_switch_projection

SUPPORT = uuid.uuid4()
BILLING = uuid.uuid4()
WAIT = 10.0


@dataclass
class Notifier:
    """One api process of the notifier on loopback."""

    url: str
    private_key: str
    app: Any

    def client(self, operator: Operator) -> httpx.AsyncClient:
        token = mint_internal_token(operator, private_key_pem=self.private_key, ttl_seconds=600)
        return httpx.AsyncClient(base_url=self.url, headers={INTERNAL_TOKEN_HEADER: token}, timeout=WAIT)


@dataclass
class Stack:
    database: TestDatabase
    servers: TestServers
    js: JetStreamContext
    private_key: str
    public_key: str
    instances: list[Notifier] = field(default_factory=list)


def operator(name: str, *departments: uuid.UUID, flags: tuple[str, ...] = ("tickets_enabled",)) -> Operator:
    return Operator(
        id=uuid.uuid5(uuid.NAMESPACE_DNS, name),
        username=name,
        flags=frozenset(flags),
        department_ids=frozenset(departments),
    )


ADA = operator("ada", SUPPORT)
GRACE = operator("grace", SUPPORT, BILLING)
BOB = operator("bob", BILLING)


@pytest.fixture
async def stack(database: TestDatabase, servers: TestServers, jetstream: JetStreamContext) -> Stack:
    url = await database.add_service(service)
    private_key, public_key = generate_key_pair()
    await switch_module(url, enabled=True)
    return Stack(database, servers, jetstream, private_key, public_key)


async def switch_module(url: str, *, enabled: bool) -> None:
    """As the notifier's projection applies ticketing's event."""
    event = TicketSettingsChanged.build(
        source="ticketing",
        subject="settings",
        data=TicketSettingsData(
            ticket_system_enabled=enabled, ticket_number_prefix="TKT", blocked_extensions=[]
        ),
    )
    engine = create_engine(url, schema=service.schema, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await module_switch_projection.changed(session, event)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def notifier_process(stack: Stack, **settings: Any) -> AsyncIterator[Notifier]:
    url = stack.database.url_for(service)
    configured = service.settings_class(
        **{
            "service_name": "notifier",
            "database_url": url,
            "internal_token_public_key": stack.public_key,
            "nats_url": stack.servers.nats_url,
            **settings,
        }
    )
    engine = create_engine(url, schema=service.schema, pool_size=4)
    app = build_app(service, ServiceRuntime(configured, engine, create_session_factory(engine)))
    try:
        async with serving(app) as base_url:
            yield Notifier(base_url, stack.private_key, app)
    finally:
        await app.state.live_hub.close()
        await engine.dispose()


@contextlib.asynccontextmanager
async def projection(stack: Stack) -> AsyncIterator[None]:
    """The notifier's consumer of the ticket stream, as its consumers role runs it."""
    client = await nats.connect(stack.servers.nats_url)
    engine = create_engine(stack.database.url_for(service), schema=service.schema, pool_size=2)
    stop = asyncio.Event()
    from helpdesk_common.bus.topology import ensure_consumer

    await ensure_consumer(client.jetstream(), tickets_consumer.spec)
    task = asyncio.create_task(tickets_consumer.run(client, create_session_factory(engine), stop))
    try:
        yield
    finally:
        stop.set()
        await task
        await client.close()
        await engine.dispose()


def snapshot(department: uuid.UUID | None, **changes: Any) -> TicketSnapshot:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "number": f"TKT-{uuid.uuid4().int % 100000}",
        "title": "Printer on fire",
        "status": TicketStatus.OPEN,
        "priority": TicketPriority.MEDIUM,
        "source": TicketSource.EMAIL,
        "department_id": department,
        "created_at": now,
        "updated_at": now,
    }
    return TicketSnapshot(**{**values, **changes})


def created(ticket: TicketSnapshot) -> TicketCreated:
    return TicketCreated.build(
        source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
    )


def inbound(ticket: TicketSnapshot, text: str = "Any news?") -> CommentAdded:
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction=CommentDirection.INBOUND,
        author_id=None,
        author_name="Wile E.",
        body_text=text,
        body_html=f"<p>{text}</p>",
        created_at=datetime.now(UTC),
    )
    return CommentAdded.build(
        source="ticketing", subject=str(ticket.id), data=CommentAddedData(ticket=ticket, comment=comment)
    )


async def publish(stack: Stack, *events: EventEnvelope[Any]) -> list[int]:
    """As ticketing's relay publishes them; the stream sequences they got."""
    sequences = []
    for event in events:
        ack = await stack.js.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
        sequences.append(ack.seq)
    return sequences


@dataclass
class Received:
    event: str
    data: Any
    id: int | None


class EventReader:
    """The text/event-stream format read as a browser's EventSource reads it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()
        self.last_id: int | None = None

    async def next(self, within: float = WAIT) -> Received:
        return await asyncio.wait_for(self._next(), within)

    async def _next(self) -> Received:
        kind, data, event_id = "message", "", None
        async for line in self.lines:
            if line == "":
                if data:
                    if event_id is not None:
                        self.last_id = event_id
                    return Received(kind, orjson.loads(data), event_id)
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data += value
            elif name == "id":
                event_id = int(value)
        raise EOFError("the stream ended")

    async def until(self, wanted: Callable[[Received], bool], within: float = WAIT) -> Received:
        async def search() -> Received:
            while True:
                received = await self._next()
                if wanted(received):
                    return received

        return await asyncio.wait_for(search(), within)

    async def ticket_events(self, count: int, within: float = WAIT) -> list[Received]:
        found: list[Received] = []
        while len(found) < count:
            found.append(await self.until(lambda r: r.id is not None, within))
        return found


@contextlib.asynccontextmanager
async def live(client: httpx.AsyncClient, last_event_id: int | None = None) -> AsyncIterator[EventReader]:
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    async with client.stream("GET", "/live", headers=headers, timeout=None) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        # The counter comes first: the stream is open, and following the ticket stream.
        first = await reader.next()
        assert first.event == "unread"
        yield reader


async def test_an_operator_sees_events_of_tickets_in_their_departments_only(stack: Stack) -> None:
    async with notifier_process(stack) as app, app.client(ADA) as ada, live(ada) as stream:
        theirs, elsewhere, nowhere = snapshot(SUPPORT), snapshot(BILLING), snapshot(None)
        moved_away = snapshot(BILLING)
        await publish(
            stack,
            created(elsewhere),
            created(nowhere),
            created(theirs),
            inbound(elsewhere),
            inbound(theirs, "Still burning"),
            TicketUpdated.build(
                source="ticketing",
                subject=str(moved_away.id),
                data=TicketChangeData(
                    ticket=moved_away,
                    changes={"department_id": {"old": str(SUPPORT), "new": str(BILLING)}},  # type: ignore[dict-item]
                ),
            ),
        )
        seen = await stream.ticket_events(3)
    assert [(r.event, r.data["ticket"]["id"]) for r in seen] == [
        ("ticket_created", str(theirs.id)),
        ("comment_added", str(theirs.id)),
        # It leaves her department: she hears of it, so it leaves her queue.
        ("ticket_updated", str(moved_away.id)),
    ]
    assert seen[1].data["comment"]["direction"] == "inbound"
    assert seen[1].data["comment"]["excerpt"] == "Still burning"
    ids = [r.id or 0 for r in seen]
    assert 0 < ids[0] < ids[1] < ids[2]


async def test_all_departments_flag_sees_every_ticket(stack: Stack) -> None:
    everyone = operator("eve", flags=("tickets_enabled", "tickets_view_all_departments"))
    async with notifier_process(stack) as app, app.client(everyone) as eve, live(eve) as stream:
        tickets = [snapshot(SUPPORT), snapshot(BILLING), snapshot(None)]
        await publish(stack, *(created(ticket) for ticket in tickets))
        seen = await stream.ticket_events(3)
    assert [r.data["ticket"]["id"] for r in seen] == [str(ticket.id) for ticket in tickets]


async def test_a_reconnect_with_last_event_id_resumes_without_gaps(stack: Stack) -> None:
    # The ids are the ticket stream's sequences: another replica resumes where the first left off.
    async with notifier_process(stack) as app, notifier_process(stack) as replica, app.client(ADA) as ada:
        before = [snapshot(SUPPORT) for _ in range(2)]
        async with live(ada) as stream:
            await publish(stack, *(created(ticket) for ticket in before))
            await stream.ticket_events(2)
            last_id = stream.last_id
        # Published while she is away, among events she may not see.
        away = [snapshot(SUPPORT) for _ in range(5)]
        events: list[EventEnvelope[Any]] = []
        for ticket in away:
            events += [created(ticket), created(snapshot(BILLING)), inbound(ticket)]
        sequences = await publish(stack, *events)
        async with replica.client(ADA) as again, live(again, last_id) as stream:
            resumed = await stream.ticket_events(10)
            after = snapshot(SUPPORT)
            await publish(stack, created(after))
            live_again = await stream.ticket_events(1)
    expected = [
        (seq, e.data.ticket.id)
        for seq, e in zip(sequences, events, strict=True)
        if e.data.ticket.department_id == SUPPORT
    ]
    assert [(r.id, uuid.UUID(r.data["ticket"]["id"])) for r in resumed] == expected
    assert live_again[0].data["ticket"]["id"] == str(after.id)


async def test_a_last_event_id_the_stream_no_longer_has_asks_for_a_resync(stack: Stack) -> None:
    async with notifier_process(stack) as app, app.client(ADA) as ada:
        async with ada.stream("GET", "/live", headers={"Last-Event-ID": "999999"}) as response:
            reader = EventReader(response)
            first = await reader.next()
        refused = await ada.get("/live", headers={"Last-Event-ID": "yesterday"})
    assert first.event == "resync" and first.data == {"reason": "events_lost"}
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "Last-Event-ID"


async def test_a_client_that_stops_reading_is_told_to_resync_and_cut_off(stack: Stack) -> None:
    async with notifier_process(stack, live_queue_size=4, live_behind_seconds=0.5) as app:
        hub = app.app.state.live_hub
        token = mint_internal_token(ADA, private_key_pem=stack.private_key, ttl_seconds=600)
        host, port = app.url.removeprefix("http://").split(":")
        sock = socket.socket()
        # A small window: the server's writes block soon after the client stops reading.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        try:
            writer.write(
                f"GET /live HTTP/1.1\r\nhost: {host}\r\n{INTERNAL_TOKEN_HEADER}: {token}\r\n\r\n".encode()
            )
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
            assert b" 200 " in head.split(b"\r\n")[0]
            # Her department is busy while she reads nothing: more than every buffer on the way holds.
            long_title = "A title long enough to fill buffers quickly. " * 100
            events = [created(snapshot(SUPPORT, title=long_title)) for _ in range(3000)]
            for start in range(0, len(events), 500):
                await publish(stack, *events[start : start + 500])

            async def cut_off() -> bool:
                return all(connection.too_far_behind for connection in hub.connections)

            await _eventually(cut_off)
            # Now she reads again: what was in flight, then the resync, then the end of the answer.
            body = await asyncio.wait_for(_read_to_end(reader), WAIT * 3)
        finally:
            writer.close()
    received = body.count(b"event: ticket_created")
    assert 0 < received < len(events)
    _, resync, after = body.partition(b'event: resync\ndata: {"reason":"too_far_behind"}')
    assert resync and b"event:" not in after
    assert not hub.connections


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    """Up to the last chunk of a chunked answer (the connection itself stays open for another)."""
    body = b""
    while not body.endswith(b"\r\n0\r\n\r\n"):
        chunk = await reader.read(1 << 16)
        if not chunk:
            break
        body += chunk
    return body


async def test_presence_reaches_operators_who_see_the_ticket_across_two_notifier_processes(
    stack: Stack,
) -> None:
    ticket = snapshot(SUPPORT)
    async with (
        projection(stack),
        notifier_process(stack) as first,
        notifier_process(stack) as second,
        first.client(ADA) as ada,
        second.client(GRACE) as grace,
        first.client(BOB) as bob,
    ):
        await publish(stack, created(ticket))
        await _known(grace, ticket.id)
        async with live(ada) as ada_stream, live(bob) as bob_stream:

            def presence(r: Received) -> bool:
                return r.event == "presence"

            viewing = await grace.post(
                "/live/presence", json={"ticket_id": str(ticket.id), "state": "viewing"}
            )
            assert viewing.status_code == 200, viewing.text
            assert (await ada_stream.until(presence)).data == {
                "ticket_id": str(ticket.id),
                "operator_id": str(GRACE.id),
                "username": "grace",
                "state": "viewing",
            }
            # A heartbeat changes nothing the others see; composing does.
            await grace.post("/live/presence", json={"ticket_id": str(ticket.id), "state": "viewing"})
            await grace.post("/live/presence", json={"ticket_id": str(ticket.id), "state": "composing"})
            assert (await ada_stream.until(presence)).data["state"] == "composing"
            await grace.post("/live/presence", json={"ticket_id": str(ticket.id), "state": "left"})
            assert (await ada_stream.until(presence)).data["state"] == "left"
            # Bob's departments do not hold the ticket: none of it reached him.
            with pytest.raises(TimeoutError):
                await bob_stream.until(presence, within=0.5)
            refused = await bob.post("/live/presence", json={"ticket_id": str(ticket.id), "state": "viewing"})
            assert refused.status_code == 404


async def test_a_presence_not_renewed_lapses(stack: Stack) -> None:
    ticket = snapshot(SUPPORT)
    async with (
        projection(stack),
        notifier_process(stack, live_presence_ttl_seconds=1.0) as app,
        app.client(ADA) as ada,
        app.client(GRACE) as grace,
    ):
        await publish(stack, created(ticket))
        await _known(grace, ticket.id)
        async with live(ada) as stream:
            await grace.post("/live/presence", json={"ticket_id": str(ticket.id), "state": "composing"})
            states = [(await stream.until(lambda r: r.event == "presence")).data["state"] for _ in range(2)]
    assert states == ["composing", "left"]


async def test_the_unread_counter_counts_new_customer_activity_until_the_ticket_is_opened(
    stack: Stack,
) -> None:
    from_customer, from_ada = (
        snapshot(SUPPORT),
        snapshot(SUPPORT, source=TicketSource.MANUAL, created_by_id=ADA.id),
    )
    async with projection(stack), notifier_process(stack) as app, app.client(ADA) as ada:
        async with live(ada) as stream:

            def count(r: Received) -> bool:
                return r.event == "unread"

            await publish(stack, created(from_customer), created(from_ada), created(snapshot(BILLING)))
            assert (await stream.until(count)).data == {"count": 1}
            await _known(ada, from_customer.id)
            await ada.post("/live/presence", json={"ticket_id": str(from_customer.id), "state": "viewing"})
            assert (await stream.until(count)).data == {"count": 0}
            # The customer writes while she has it open: read. After she left: unread again.
            await publish(stack, inbound(from_customer))
            await ada.post("/live/presence", json={"ticket_id": str(from_customer.id), "state": "left"})
            await publish(stack, inbound(from_customer, "Hello?"))
            assert (await stream.until(count)).data == {"count": 1}

        # A new stream, and the plain endpoint, read it from the database.
        async def counted() -> bool:
            return (await ada.get("/live/unread")).json() == {"count": 1}

        await _eventually(counted)
        async with live(ada) as stream:
            pass
        closed = from_customer.model_copy(update={"status": TicketStatus.CLOSED})
        await publish(
            stack,
            TicketUpdated.build(
                source="ticketing", subject=str(closed.id), data=TicketChangeData(ticket=closed)
            ),
        )

        async def none_left() -> bool:
            return (await ada.get("/live/unread")).json() == {"count": 0}

        await _eventually(none_left)


@contextlib.asynccontextmanager
async def ticketing_answering(stack: Stack, tickets: list[TicketSnapshot]) -> AsyncIterator[list[Any]]:
    """A stand-in for ticketing's ticket-states role, all in one page; the requests it got."""
    client = await nats.connect(stack.servers.nats_url)
    requests: list[Any] = []

    async def answer(message: Msg) -> None:
        requests.append(orjson.loads(message.data or b"{}"))
        states = [TicketState(ticket=ticket) for ticket in sorted(tickets, key=lambda t: t.id)]
        await message.respond(TicketStatesPage(states=states).model_dump_json().encode())

    await client.subscribe(TICKET_STATES_SUBJECT, queue="ticketing-ticket-states", cb=answer)
    await client.flush()
    try:
        yield requests
    finally:
        await client.close()


async def test_tickets_older_than_the_stream_are_learnt_from_ticketing_and_unread_to_nobody(
    stack: Stack,
) -> None:
    old, old_closed, recent = (
        snapshot(SUPPORT),
        snapshot(SUPPORT, status=TicketStatus.CLOSED),
        snapshot(SUPPORT),
    )
    engine = create_engine(stack.database.url_for(service), schema=service.schema, pool_size=2)
    sessions = create_session_factory(engine)
    try:
        async with (
            projection(stack),
            notifier_process(stack) as app,
            app.client(ADA) as ada,
            app.client(GRACE) as grace,
            ticketing_answering(stack, [old, old_closed, recent]) as requests,
        ):
            # The stream still tells of one of them: it asks for an operator's eye.
            await publish(stack, created(recent))
            # Grace's presence reads what she opens; Ada's counter is left alone.
            await _known(grace, recent.id)
            before = await grace.post("/live/presence", json={"ticket_id": str(old.id), "state": "left"})
            assert before.status_code == 404

            assert await live_tickets_bootstrap_run.run(sessions, stack.servers.nats_url)
            assert requests == [{"scope": "all"}]
            for ticket in (old, old_closed):
                known = await grace.post(
                    "/live/presence", json={"ticket_id": str(ticket.id), "state": "left"}
                )
                assert known.status_code == 200, known.text
            # The snapshot, older than the event, took nothing from it; the old tickets are unread to nobody.
            assert (await ada.get("/live/unread")).json() == {"count": 1}
            await publish(stack, inbound(old))

            async def customer_wrote() -> bool:
                return (await ada.get("/live/unread")).json() == {"count": 2}

            await _eventually(customer_wrote)
            # Learnt once: another start finds the mark.
            assert await live_tickets_bootstrap_run.run(sessions, stack.servers.nats_url)
            assert len(requests) == 1
    finally:
        await engine.dispose()


async def test_every_live_endpoint_needs_the_tickets_flag(stack: Stack) -> None:
    without = operator("mallory", SUPPORT, flags=())
    async with notifier_process(stack) as app, app.client(without) as client:
        answers = [
            await client.get("/live"),
            await client.get("/live/unread"),
            await client.post("/live/presence", json={"ticket_id": str(uuid.uuid4()), "state": "viewing"}),
        ]
        async with httpx.AsyncClient(base_url=app.url) as anonymous:
            unauthenticated = await anonymous.get("/live")
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert {a.json()["flag"] for a in answers} == {"tickets_enabled"}
    assert unauthenticated.status_code == 401


async def test_the_live_endpoints_are_closed_while_the_ticket_system_is_switched_off(stack: Stack) -> None:
    await switch_module(stack.database.url_for(service), enabled=False)
    async with notifier_process(stack) as app, app.client(ADA) as ada:
        answers = [
            await ada.get("/live"),
            await ada.get("/live/unread"),
            await ada.post("/live/presence", json={"ticket_id": str(uuid.uuid4()), "state": "viewing"}),
        ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert {a.json()["reason"] for a in answers} == {"module_disabled"}


async def test_bad_presence_is_a_422_naming_the_field(stack: Stack) -> None:
    async with notifier_process(stack) as app, app.client(ADA) as ada:
        answer = await ada.post("/live/presence", json={"ticket_id": str(uuid.uuid4()), "state": "dancing"})
    assert answer.status_code == 422
    assert "state" in answer.text


async def _known(client: httpx.AsyncClient, ticket_id: uuid.UUID) -> None:
    """Until the notifier's projection has the ticket (presence on an unknown ticket is a 404)."""

    async def known() -> bool:
        answer = await client.post("/live/presence", json={"ticket_id": str(ticket_id), "state": "left"})
        return answer.status_code == 200

    await _eventually(known)


async def _eventually(condition: Callable[[], Any], within: float = WAIT) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_without_the_bus_the_stream_is_a_503_not_a_hanging_request(stack: Stack) -> None:
    from helpdesk_common.embedded import free_port

    async with (
        notifier_process(stack, nats_url=f"nats://127.0.0.1:{free_port()}") as app,
        app.client(ADA) as ada,
    ):
        answer = await ada.get("/live")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
