"""An incident's timeline: what `incident_timeline` recorded (creation, status, assignments,
escalations, notes, storms) merged by time with the alerts it received, newest last."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from itsm.tables import alerts, incident_timeline, incidents
from itsm.timeline.schemas import TimelineEntry


async def read(session: AsyncSession, incident_id: uuid.UUID, *, limit: int) -> list[TimelineEntry]:
    recorded = select(
        incident_timeline.c.at,
        incident_timeline.c.kind,
        incident_timeline.c.actor_name,
        incident_timeline.c.summary,
        incident_timeline.c.details,
        incident_timeline.c.id.label("sequence"),
    ).where(incident_timeline.c.incident_id == incident_id)
    received = select(
        alerts.c.received_at.label("at"),
        literal("alert").label("kind"),
        alerts.c.source.label("actor_name"),
        alerts.c.summary,
        alerts.c.payload.label("details"),
        literal(0).label("sequence"),
    ).where(alerts.c.incident_id.in_(_itself_and_gathered(incident_id)))
    merged = union_all(recorded, received).subquery()
    # At one instant an alert comes before what it caused, and recorded entries in the order written.
    query = select(merged).order_by(merged.c.at.desc(), merged.c.sequence.desc()).limit(limit)
    rows = list(await session.execute(query))
    return [
        TimelineEntry(
            at=row.at,
            kind=row.kind,
            actor=row.actor_name,
            summary=row.summary or "",
            details=row.details or {},
        )
        for row in reversed(rows)
    ]


def _itself_and_gathered(incident_id: uuid.UUID) -> Any:
    """A storm's timeline shows the alerts of the incidents it gathered too."""
    return select(incidents.c.id).where(
        (incidents.c.id == incident_id) | (incidents.c.storm_id == incident_id)
    )
