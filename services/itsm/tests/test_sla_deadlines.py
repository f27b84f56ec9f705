"""What itsm keeps of the SLA engine, through the real handlers on a real database (and once through
the real consumer on NATS): the SLA definitions an incident may carry, newest by time; the deadlines
the engine sets on incidents, applied once and only from a higher revision; a breach recorded once
and escalating the incident once per target, a resolved incident not at all."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import nats
from nats.js import JetStreamContext

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.sla import (
    Outcome,
    SlaDefinitionData,
    SlaDefinitionRemoved,
    SlaDefinitionSnapshot,
    SlaDefinitionUpserted,
    SlaIncidentDeadlines,
    SlaIncidentDeadlinesSet,
)
from itsm.sla.consumers import (
    on_incident_deadlines_set,
    on_sla_removed,
    on_sla_upserted,
    sla_deadlines_consumer,
)
from itsm.sla.definitions import sla_exists

Desk = Any
MANAGE = "incidents.manage"
HOUR = timedelta(hours=1)


def definition(
    contract: type[SlaDefinitionUpserted] | type[SlaDefinitionRemoved],
    sla_id: uuid.UUID,
    at: datetime,
    **fields: Any,
) -> SlaDefinitionUpserted | SlaDefinitionRemoved:
    sla = SlaDefinitionSnapshot.model_validate(
        {"id": sla_id, "name": "Major", "response_hours": 1, "resolution_hours": 4, **fields}
    )
    built = contract.build(source="sla-engine", subject=str(sla_id), data=SlaDefinitionData(sla=sla))
    return built.model_copy(update={"time": at})


def deadlines(
    incident: dict[str, Any],
    revision: int,
    *,
    response: Outcome | None = None,
    resolution: Outcome | None = None,
    at: datetime,
) -> SlaIncidentDeadlinesSet:
    """The engine's event for `incident` (counted from its creation: one hour to respond, four to resolve)."""
    started_at = datetime.fromisoformat(incident["created_at"])
    data = SlaIncidentDeadlines(
        incident_id=incident["id"],
        incident_number=incident["number"],
        sla_id=incident["sla_id"],
        started_at=started_at,
        response_due_at=started_at + HOUR,
        resolution_due_at=started_at + 4 * HOUR,
        response_warning_at=started_at + HOUR / 2,
        response_critical_at=started_at + HOUR * 0.8,
        resolution_warning_at=started_at + 2 * HOUR,
        resolution_critical_at=started_at + 4 * HOUR * 0.8,
        response_outcome=response,
        resolution_outcome=resolution,
        revision=revision,
    )
    built = SlaIncidentDeadlinesSet.build(source="sla-engine", subject=str(data.incident_id), data=data)
    return built.model_copy(update={"time": at})


async def incident_under_sla(desk: Desk, **body: Any) -> dict[str, Any]:
    """An incident created by hand under an SLA the engine announced."""
    sla_id = uuid.uuid4()
    await desk.apply(on_sla_upserted, definition(SlaDefinitionUpserted, sla_id, desk.clock.now()))
    ada = await desk.person("ada", MANAGE)
    answer = await desk.client.post(
        "/incidents", json={"title": "Mail is down", "sla_id": str(sla_id), **body}, headers=ada.headers
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def kept(desk: Desk, incident_id: str) -> Any:
    (row,) = await desk.sql(
        "SELECT response_due_at, resolution_due_at, response_warning_at, resolution_critical_at,"
        " response_outcome, resolution_outcome, sla_revision, sla_breached_at, escalation_level, updated_at"
        " FROM incidents WHERE id = :id",
        id=incident_id,
    )
    return row


async def escalations(desk: Desk, incident_id: str) -> list[str]:
    return [entry["summary"] for entry in await desk.timeline(incident_id) if entry["kind"] == "escalation"]


async def test_sla_definitions_are_kept_newest_by_time_and_a_removed_one_no_longer_exists(desk: Desk) -> None:
    sla_id = uuid.uuid4()
    start = desk.at()

    async def exists() -> bool:
        async with desk.app.sessions() as session:
            return await sla_exists(session, sla_id)

    assert not await exists(), "unknown until the engine announces it"
    await desk.apply(on_sla_upserted, definition(SlaDefinitionUpserted, sla_id, start, response_hours=2))
    assert await exists()
    await desk.apply(on_sla_removed, definition(SlaDefinitionRemoved, sla_id, start + HOUR))
    # An upsert from before the removal, handled after it by another consumer process.
    await desk.apply(on_sla_upserted, definition(SlaDefinitionUpserted, sla_id, start + HOUR / 2))
    assert not await exists(), "the removal is newer"
    (row,) = await desk.sql(
        "SELECT name, response_hours, removed FROM sla_definitions WHERE id = :id", id=sla_id
    )
    assert (row.name, row.response_hours, row.removed) == ("Major", 1, True)

    ada = await desk.person("ada", MANAGE)
    body = {"title": "Mail is down", "sla_id": str(sla_id)}
    created = await desk.client.post("/incidents", json=body, headers=ada.headers)
    assert created.status_code == 422, "a removed SLA cannot be given to an incident"
    await desk.apply(on_sla_upserted, definition(SlaDefinitionUpserted, sla_id, start + 2 * HOUR))
    assert await exists(), "an SLA created again with the same id (a restored engine) exists again"


async def test_deadlines_are_applied_from_a_higher_revision_only_and_move_no_edit(desk: Desk) -> None:
    incident = await incident_under_sla(desk)
    before = await kept(desk, incident["id"])
    started_at = datetime.fromisoformat(incident["created_at"])

    await desk.apply(
        on_incident_deadlines_set, deadlines(incident, 2, response="met", at=desk.at(minutes=20))
    )
    applied = await kept(desk, incident["id"])
    assert (applied.response_due_at, applied.resolution_due_at) == (started_at + HOUR, started_at + 4 * HOUR)
    assert (applied.response_warning_at, applied.resolution_critical_at) == (
        started_at + HOUR / 2,
        started_at + 4 * HOUR * 0.8,
    )
    assert (applied.response_outcome, applied.resolution_outcome, applied.sla_revision) == ("met", None, 2)
    assert applied.updated_at == before.updated_at, "the engine's arithmetic is no edit of the incident"

    # Revision 1 handled after revision 2 by another consumer process, and a second event of revision 2.
    await desk.apply(on_incident_deadlines_set, deadlines(incident, 1, at=desk.at(minutes=10)))
    await desk.apply(
        on_incident_deadlines_set, deadlines(incident, 2, response="breached", at=desk.at(minutes=21))
    )
    again = await kept(desk, incident["id"])
    assert (again.response_outcome, again.sla_revision, again.sla_breached_at) == ("met", 2, None)
    # An incident itsm does not know changes nothing, and is nothing to retry.
    await desk.apply(
        on_incident_deadlines_set, deadlines({**incident, "id": str(uuid.uuid4())}, 3, at=desk.at())
    )
    assert await desk.published("incident_updated", "incident_escalated") == [], "nothing announced"


async def test_a_breach_escalates_once_per_target_and_records_when_the_sla_was_first_broken(
    desk: Desk,
) -> None:
    incident = await incident_under_sla(desk)
    started_at = datetime.fromisoformat(incident["created_at"])

    response_breached = deadlines(incident, 2, response="breached", at=desk.at(hours=1))
    await desk.apply(on_incident_deadlines_set, response_breached)
    row = await kept(desk, incident["id"])
    assert (row.escalation_level, row.sla_breached_at, row.response_outcome) == (
        1,
        started_at + HOUR,
        "breached",
    )
    assert await escalations(desk, incident["id"]) == ["Escalated to level 1: SLA breached: response"]
    (escalated,) = await desk.published("incident_escalated")
    assert escalated["data"]["actor_id"] is None and escalated["data"]["note"] == "SLA breached: response"
    assert escalated["data"]["incident"]["escalation_level"] == 1
    assert datetime.fromisoformat(escalated["data"]["incident"]["updated_at"]) == desk.clock.now()

    # The same breach again (a relay's second publication after the duplicate window) and a later
    # revision that still carries it (the incident acknowledged late): no second escalation.
    await desk.apply(on_incident_deadlines_set, response_breached.model_copy(update={"id": uuid.uuid4()}))
    await desk.apply(
        on_incident_deadlines_set, deadlines(incident, 3, response="breached", at=desk.at(hours=2))
    )
    assert (await kept(desk, incident["id"])).escalation_level == 1

    await desk.apply(
        on_incident_deadlines_set,
        deadlines(incident, 4, response="breached", resolution="breached", at=desk.at(hours=4)),
    )
    row = await kept(desk, incident["id"])
    assert (row.escalation_level, row.resolution_outcome) == (2, "breached")
    assert row.sla_breached_at == started_at + HOUR, "the first breach's moment stays"
    assert await escalations(desk, incident["id"]) == [
        "Escalated to level 1: SLA breached: response",
        "Escalated to level 2: SLA breached: resolution",
    ]


async def test_a_resolved_incidents_late_resolution_is_recorded_as_breached_without_escalating(
    desk: Desk,
) -> None:
    incident = await incident_under_sla(desk)
    started_at = datetime.fromisoformat(incident["created_at"])
    ada = await desk.person("ada", MANAGE)
    desk.at(hours=5)
    answer = await desk.client.post(
        f"/incidents/{incident['id']}/resolve", json={"resolution_code": "resolved"}, headers=ada.headers
    )
    assert answer.status_code == 200, answer.text

    await desk.apply(
        on_incident_deadlines_set,
        deadlines(incident, 2, response="breached", resolution="breached", at=desk.at(hours=5, seconds=1)),
    )
    row = await kept(desk, incident["id"])
    assert (row.sla_breached_at, row.escalation_level) == (started_at + HOUR, 0), "nobody left to page"


async def test_the_consumer_on_the_bus_applies_an_event_delivered_twice_once(
    desk: Desk, jetstream: JetStreamContext
) -> None:
    incident = await incident_under_sla(desk)
    breached = deadlines(incident, 2, response="breached", at=desk.at(hours=1))
    for message_id in ("first", "again"):
        # The same event as a second message, as a relay publishing it again after the window would.
        await jetstream.publish(
            breached.bus_subject(), breached.to_json(), headers={"Nats-Msg-Id": message_id}
        )

    client = await nats.connect(desk.servers.nats_url)
    stop = asyncio.Event()
    await ensure_consumer(client.jetstream(), sla_deadlines_consumer.spec)
    running = asyncio.create_task(sla_deadlines_consumer.run(client, desk.app.sessions, stop))
    try:
        for _ in range(200):
            info = await client.jetstream().consumer_info("SLA", sla_deadlines_consumer.spec.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
        await client.close()
    row = await kept(desk, incident["id"])
    assert (row.sla_revision, row.escalation_level) == (2, 1)
    assert len(await desk.published("incident_escalated")) == 1
