"""Three SLA engines as real processes (`helpdesk run sla-engine`, every role), on the real bus: ticket
events in, deadlines and each sla_warning and sla_breached out exactly once, on time, though engines
are killed mid-sweep and events arrive twice; incident events in, each incident's breach out once."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.itsm import IncidentChangeData, IncidentCreated, IncidentSnapshot
from helpdesk_common.contracts.tickets import (
    CommentAdded,
    CommentAddedData,
    CommentSnapshot,
    TicketChangeData,
    TicketCreated,
    TicketSnapshot,
)
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.infrastructure import TestServers
from sla_engine.definitions.schemas import SlaDefinitionCreate
from sla_engine.definitions.service import create_definition
from tests.backbone.harness import eventually

REPO = Path(__file__).resolve().parents[3]
REPLICAS = 3
SWEEP_SECONDS = 0.2


class Replicas:
    def __init__(
        self, environment: Callable[[int], dict[str, str]], ports: list[int], logs: list[Path]
    ) -> None:
        self.environment = environment
        self.ports = ports
        self.logs = logs
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self, index: int) -> None:
        with self.logs[index].open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "helpdesk_cli.main", "run", "sla-engine"),
                cwd=REPO,
                env=self.environment(self.ports[index]),
                stdout=output,
                stderr=output,
            )
        if index < len(self.processes):
            self.processes[index] = process
        else:
            self.processes.append(process)
        await eventually(
            _ready(self.ports[index]), within=60, what="an engine to be ready", check=self.assert_alive
        )

    async def kill(self, index: int) -> None:
        """SIGKILL: whatever the engine was doing, a sweep's claim or an event's transaction, stops."""
        self.processes[index].kill()
        await self.processes[index].wait()

    def assert_alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=False):
            if process.returncode is not None:
                raise AssertionError(
                    f"an engine exited with {process.returncode}:\n{log.read_text()[-4000:]}"
                )

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.terminate()
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def replicas(
    sla_url: str, servers: TestServers, jetstream: JetStreamContext, tmp_path: Path
) -> AsyncIterator[Replicas]:
    def environment(port: int) -> dict[str, str]:
        return {
            **os.environ,
            "HELPDESK_DATABASE_URL": sla_url,
            "HELPDESK_NATS_URL": servers.nats_url,
            "HELPDESK_HTTP_PORT": str(port),
            "HELPDESK_SLA_SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
            "HELPDESK_LOG_JSON": "false",
        }

    ports = [free_port() for _ in range(REPLICAS)]
    logs = [tmp_path / f"sla-engine-{index}.log" for index in range(REPLICAS)]
    running = Replicas(environment, ports, logs)
    try:
        await asyncio.gather(*(running.start(index) for index in range(REPLICAS)))
        yield running
    finally:
        await running.stop()


def _ready(port: int) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1.0) as http:
                return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    return ready


async def publish(jetstream: JetStreamContext, event: EventEnvelope[Any]) -> None:
    await jetstream.publish(event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)})


async def stream_events(jetstream: JetStreamContext, stream: str) -> list[dict[str, Any]]:
    state = (await jetstream.stream_info(stream)).state
    if not state.messages:
        return []
    return [
        orjson.loads((await jetstream.get_msg(stream, sequence)).data or b"{}")
        for sequence in range(state.first_seq, state.last_seq + 1)
    ]


def ticket_created(number: int, created_at: datetime, sla_id: uuid.UUID | None) -> TicketCreated:
    ticket = TicketSnapshot(
        id=uuid.uuid4(),
        number=f"TKT-{number:06d}",
        title="Printer on fire",
        status="open",  # type: ignore[arg-type]
        priority="medium",  # type: ignore[arg-type]
        source="manual",  # type: ignore[arg-type]
        department_id=uuid.UUID(int=number % 3),
        sla_id=sla_id,
        created_at=created_at,
        updated_at=created_at,
    )
    return TicketCreated.build(
        source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
    )


def answered(created: TicketCreated, at: datetime) -> CommentAdded:
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction="outbound",  # type: ignore[arg-type]
        author_id=None,
        author_name="ada",
        body_text="On it.",
        body_html="<p>On it.</p>",
        created_at=at,
    )
    ticket = created.data.ticket.model_copy(update={"updated_at": at})
    return CommentAdded.build(
        source="ticketing", subject=str(ticket.id), data=CommentAddedData(ticket=ticket, comment=comment)
    )


async def test_three_engines_set_deadlines_and_publish_each_alert_once(
    replicas: Replicas,
    jetstream: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        data = SlaDefinitionCreate(name="Short", response_hours=1, resolution_hours=2)
        short = (await create_definition(session, data=data)).id
    minute = timedelta(minutes=1)
    created = [
        ticket_created(number, now - (number * 7 % 150) * minute, short if number % 5 else None)
        for number in range(1, 61)
    ]
    # Answered in time: its response clock stops before any alert.
    replied = created[0]
    for event in created:
        await publish(jetstream, event)
    await publish(jetstream, answered(replied, replied.data.ticket.created_at + minute))

    expected: set[tuple[str, str, str]] = set()
    for event in created:
        ticket = event.data.ticket
        age = now - ticket.created_at
        for kind, hours in (("response", 1), ("resolution", 2)):
            if ticket.sla_id is None or (kind == "response" and event is replied):
                continue
            if age >= timedelta(hours=hours):
                expected.add((ticket.number, kind, "sla_breached"))
            elif age >= timedelta(hours=hours) / 2:
                expected.add((ticket.number, kind, "sla_warning"))

    async def alerts() -> Counter[tuple[str, str, str]]:
        events = await stream_events(jetstream, "TICKET_EVENTS")
        return Counter(
            (e["data"]["ticket"]["number"], e["data"]["deadline"], e["type"])
            for e in events
            if e["type"] in ("sla_warning", "sla_breached")
        )

    async def all_alerts_out() -> bool:
        return set(await alerts()) >= expected

    await eventually(all_alerts_out, within=60, what="every alert", check=replicas.assert_alive)
    # Many sweeps of both engines later, still once each.
    await asyncio.sleep(10 * SWEEP_SECONDS)
    counted = await alerts()
    assert set(counted) == expected and set(counted.values()) == {1}, counted

    deadlines = [e for e in await stream_events(jetstream, "SLA") if e["type"] == "sla_deadlines_set"]
    # One per ticket under an SLA, and one more for the answered ticket: its response target met.
    assert sorted(e["data"]["ticket_number"] for e in deadlines) == sorted(
        [
            *(e.data.ticket.number for e in created if e.data.ticket.sla_id is not None),
            replied.data.ticket.number,
        ]
    )
    outcomes = [
        e["data"]["response_outcome"] for e in deadlines if e["subject"] == str(replied.data.ticket.id)
    ]
    assert sorted(outcomes, key=str) == [None, "met"]


async def test_engines_killed_mid_sweep_and_events_delivered_twice_fire_each_breach_once_and_on_time(
    replicas: Replicas,
    jetstream: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        data = SlaDefinitionCreate(name="Hour", response_hours=1)
        hour = (await create_definition(session, data=data)).id
    count, spread, lead = 60, 12.0, 4.0
    # Response deadlines one every 0.2 s from a few seconds ahead: they fall due while engines die.
    created = [
        ticket_created(
            number, now - timedelta(hours=1) + timedelta(seconds=lead + number * spread / count), hour
        )
        for number in range(count)
    ]
    for event in created:
        await publish(jetstream, event)
        # The same event once more, as a redelivery would bring it (a new message, the same event id).
        await jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": f"again-{event.id}"}
        )

    async def breaches() -> list[dict[str, Any]]:
        return [e for e in await stream_events(jetstream, "TICKET_EVENTS") if e["type"] == "sla_breached"]

    async def all_out() -> bool:
        return len({e["subject"] for e in await breaches()}) == count

    async def kill_engines() -> None:
        # Each engine once, at a different moment of the burst.
        for victim in range(REPLICAS):
            await asyncio.sleep(spread / (REPLICAS + 1))
            await replicas.kill(victim)
            await replicas.start(victim)

    killer = asyncio.create_task(kill_engines())
    await eventually(all_out, within=90, what="every breach")
    await killer
    await asyncio.sleep(10 * SWEEP_SECONDS)
    fired = await breaches()
    assert len(fired) == count, Counter(e["subject"] for e in fired).most_common(3)
    late = sorted(
        (datetime.fromisoformat(e["time"]) - datetime.fromisoformat(e["data"]["due_at"])).total_seconds()
        for e in fired
    )
    assert late[0] >= 0, "none before its time"
    # Within a second of its time as a rule; an engine killed holding a claim delays it by a sweep.
    assert late[len(late) // 2] < 1.0 and late[-1] < 3.0, late


async def test_three_engines_breach_each_incident_once_though_its_events_arrive_twice(
    replicas: Replicas,
    jetstream: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        data = SlaDefinitionCreate(name="Hour", response_hours=1, resolution_hours=8)
        hour = (await create_definition(session, data=data)).id
    count = 30
    created = []
    for number in range(count):
        # Response deadlines one every 0.1 s from a second ahead: they fall due while the engines sweep.
        at = now - timedelta(hours=1) + timedelta(seconds=1 + number / 10)
        snapshot = IncidentSnapshot(
            id=uuid.uuid4(),
            number=f"INC-{number:06d}",
            title="Disk full",
            status="open",
            severity="critical",
            impact="high",
            urgency="high",
            priority="P1",
            sla_id=hour,
            created_at=at,
            updated_at=at,
        )
        created.append(
            IncidentCreated.build(
                source="itsm", subject=str(snapshot.id), data=IncidentChangeData(incident=snapshot)
            )
        )
    for event in created:
        await publish(jetstream, event)
        await jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": f"again-{event.id}"}
        )

    async def deadlines() -> list[dict[str, Any]]:
        return [e for e in await stream_events(jetstream, "SLA") if e["type"] == "sla_incident_deadlines_set"]

    async def all_breached() -> bool:
        breached = {e["subject"] for e in await deadlines() if e["data"]["response_outcome"] == "breached"}
        return len(breached) == count

    await eventually(all_breached, within=60, what="every incident's breach", check=replicas.assert_alive)
    await asyncio.sleep(10 * SWEEP_SECONDS)
    published = Counter(
        (e["subject"], e["data"]["revision"], e["data"]["response_outcome"]) for e in await deadlines()
    )
    assert published == {
        **{(str(e.data.incident.id), 1, None): 1 for e in created},
        **{(str(e.data.incident.id), 2, "breached"): 1 for e in created},
    }, "the deadlines once, the breach once"
