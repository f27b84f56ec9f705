"""Per-incident timers kept from the incident events (ITSM): the deadlines of the incident's SLA in
its clock, counted from the incident's creation or its last reopening, its acknowledgement as the
response, its resolution or closing as the end, and each target's outcome. The arithmetic is the
tickets' (timers/rules.py); runs inside the consumer's transaction, and every change of what itsm
keeps leaves as sla_incident_deadlines_set (docs/sla.md, "Incidents")."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.itsm import IncidentSnapshot
from helpdesk_common.contracts.sla import SlaIncidentDeadlines, SlaIncidentDeadlinesSet
from helpdesk_common.outbox import add_event
from sla_engine.tables import incident_timers
from sla_engine.timers.rules import KINDS, STOPPED_STATUSES, next_check_at, outcome, schedule
from sla_engine.timers.service import SOURCE, load_promise

# What itsm keeps of the deadlines: a change in any of these is published.
PUBLISHED = (
    "sla_id",
    *(f"{kind}_{name}" for kind in KINDS for name in ("due_at", "warning_due_at", "critical_at", "outcome")),
)


async def observe_incident(session: AsyncSession, incident: IncidentSnapshot) -> None:
    """Applies one incident event. Events of one incident may arrive out of order (several consumer
    processes): only a snapshot at least as new as the stored one counts. Everything else follows from
    the snapshot: the windows start at its reopening (or creation), whatever the SLA's `on_reopen`
    says for tickets, and a new SLA or a new start counts both windows afresh."""
    timer = await _locked_timer(session, incident)
    if incident.updated_at < timer.incident_updated_at:
        return
    current: dict[str, Any] = dict(timer._mapping)
    values: dict[str, Any] = {
        "incident_number": incident.number,
        "status": incident.status,
        "incident_updated_at": incident.updated_at,
    }
    started_at = _window_start(incident)
    if incident.sla_id != timer.sla_id or started_at != timer.started_at:
        values.update(await _new_windows(session, incident.sla_id, started_at))
    merged = {**current, **values}
    values.update(_outcomes(merged, incident))
    merged.update(values)
    if any(merged[column] != current[column] for column in PUBLISHED):
        values["revision"] = merged["revision"] = current["revision"] + 1
        await add_event(session, deadlines_event(merged))
    values["next_check_at"] = next_check_at(merged, incident.status, warns=False)
    await session.execute(
        update(incident_timers).where(incident_timers.c.incident_id == incident.id).values(**values)
    )


def deadlines_event(timer: Mapping[str, Any]) -> SlaIncidentDeadlinesSet:
    """The `incident_timers` row (or the values it is about to take) as itsm applies it."""
    data = SlaIncidentDeadlines(
        incident_id=timer["incident_id"],
        incident_number=timer["incident_number"],
        sla_id=timer["sla_id"],
        started_at=timer["started_at"],
        response_due_at=timer["response_due_at"],
        resolution_due_at=timer["resolution_due_at"],
        response_warning_at=timer["response_warning_due_at"],
        response_critical_at=timer["response_critical_at"],
        resolution_warning_at=timer["resolution_warning_due_at"],
        resolution_critical_at=timer["resolution_critical_at"],
        response_outcome=timer["response_outcome"],
        resolution_outcome=timer["resolution_outcome"],
        revision=timer["revision"],
    )
    return SlaIncidentDeadlinesSet.build(source=SOURCE, subject=str(data.incident_id), data=data)


def _window_start(incident: IncidentSnapshot) -> datetime:
    return incident.reopened_at or incident.created_at


async def _locked_timer(session: AsyncSession, incident: IncidentSnapshot) -> Any:
    """The incident's timer row, locked; an incident seen for the first time gets one without an SLA,
    so its SLA (if any) reads as a change and sets the deadlines."""
    await session.execute(
        insert(incident_timers)
        .values(
            incident_id=incident.id,
            incident_number=incident.number,
            status=incident.status,
            incident_updated_at=incident.updated_at,
            started_at=_window_start(incident),
        )
        .on_conflict_do_nothing(index_elements=["incident_id"])
    )
    query = select(incident_timers).where(incident_timers.c.incident_id == incident.id).with_for_update()
    return (await session.execute(query)).one()


async def _new_windows(
    session: AsyncSession, sla_id: uuid.UUID | None, started_at: datetime
) -> dict[str, Any]:
    """Both windows from `started_at` in the SLA's clock (its calendar and shares, as for tickets),
    nothing responded, breached or decided yet."""
    promise = await load_promise(session, sla_id)
    return {
        "sla_id": sla_id,
        "started_at": started_at,
        "responded_at": None,
        "response_breached_at": None,
        "resolution_breached_at": None,
        "response_outcome": None,
        "resolution_outcome": None,
        **schedule(promise, started_at, 0.0),
    }


def _outcomes(timer: dict[str, Any], incident: IncidentSnapshot) -> dict[str, Any]:
    """The acknowledgement decides the response target, the resolution (or closing) the other, at the
    moments the snapshot says they happened in the current window. An incident resolved before anyone
    acknowledged it was answered by its resolution. A decided outcome stays: a breach the sweep
    published has been acted on (itsm escalated), and a late event does not take it back."""
    values: dict[str, Any] = {}
    started_at = timer["started_at"]
    done_at = _done_at(incident, started_at)
    acknowledged_at = incident.acknowledged_at
    if acknowledged_at is not None and acknowledged_at < started_at:
        acknowledged_at = None  # an acknowledgement from before the reopening
    responded_at = timer["responded_at"] or acknowledged_at or done_at
    if responded_at != timer["responded_at"]:
        values["responded_at"] = responded_at
    if responded_at is not None and timer["response_outcome"] is None:
        decided = outcome(timer["response_due_at"], responded_at)
        if decided is not None:
            values["response_outcome"] = decided
    if done_at is not None and timer["resolution_outcome"] is None:
        decided = outcome(timer["resolution_due_at"], done_at)
        if decided is not None:
            values["resolution_outcome"] = decided
    return values


def _done_at(incident: IncidentSnapshot, started_at: datetime) -> datetime | None:
    """When a resolved or closed incident stopped its clocks: its resolution or closing in the current
    window, or the snapshot's own time when it names neither."""
    if incident.status not in STOPPED_STATUSES:
        return None
    stops = [at for at in (incident.resolved_at, incident.closed_at) if at is not None and at >= started_at]
    return min(stops, default=incident.updated_at)
