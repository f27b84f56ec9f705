"""The deadlines the SLA engine sets on incidents (its definitions: sla/definitions.py), applied only
when their revision is higher than the one applied; a target newly breached records the breach and
escalates the incident (docs/sla.md, "Incidents")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.sla import SlaIncidentDeadlines
from itsm.incidents import service as incidents_service
from itsm.incidents.store import OPEN_STATUSES
from itsm.tables import incidents

Target = Literal["response", "resolution"]
TARGETS: tuple[Target, ...] = ("response", "resolution")


async def apply_deadlines(session: AsyncSession, deadlines: SlaIncidentDeadlines, *, at: datetime) -> None:
    """`sla_incident_deadlines_set` published at `at`. Neither `updated_at` nor the timeline moves for
    the deadlines themselves (they are the engine's arithmetic, not an edit); each target the engine
    newly calls breached sets `sla_breached_at` (the first breach's deadline, kept for good) and,
    while the incident is open or acknowledged, escalates it once with the target as the reason."""
    incident = (
        await session.execute(
            select(
                incidents.c.status,
                incidents.c.sla_revision,
                incidents.c.response_outcome,
                incidents.c.resolution_outcome,
                incidents.c.updated_at,
            )
            .where(incidents.c.id == deadlines.incident_id)
            .with_for_update()
        )
    ).first()
    # Unknown here, or an older revision than the one applied: nothing to apply, nothing to retry.
    if incident is None or incident.sla_revision >= deadlines.revision:
        return
    breached = [
        target
        for target in TARGETS
        if getattr(deadlines, f"{target}_outcome") == "breached"
        and getattr(incident, f"{target}_outcome") != "breached"
    ]
    values: dict[str, Any] = {
        "response_due_at": deadlines.response_due_at,
        "resolution_due_at": deadlines.resolution_due_at,
        "response_warning_at": deadlines.response_warning_at,
        "response_critical_at": deadlines.response_critical_at,
        "resolution_warning_at": deadlines.resolution_warning_at,
        "resolution_critical_at": deadlines.resolution_critical_at,
        "response_outcome": deadlines.response_outcome,
        "resolution_outcome": deadlines.resolution_outcome,
        "sla_revision": deadlines.revision,
    }
    if breached:
        first = min(getattr(deadlines, f"{target}_due_at") or at for target in breached)
        values["sla_breached_at"] = func.coalesce(incidents.c.sla_breached_at, first)
    await session.execute(update(incidents).where(incidents.c.id == deadlines.incident_id).values(**values))
    if incident.status not in OPEN_STATUSES:
        return  # a resolved or closed incident keeps the breach on record; nobody is left to page
    # At the breach's time, but never before the incident's last change: its updated_at only moves on.
    now = max(at, incident.updated_at)
    for target in breached:
        await incidents_service.escalate(
            session, deadlines.incident_id, actor=None, reason=f"SLA breached: {target}", now=now
        )
