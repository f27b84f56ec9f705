"""The incidents as they are now, a page at a time in id order, for a service learning them without
replaying the incident events (helpdesk_common/contracts/incident_states.py): those of the request's
scope (every incident unless it asks for those under an SLA that are not closed), each as the snapshot
its events carry. Answered by the `incident-states` role (itsm/states.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.incident_states import (
    IncidentScope,
    IncidentState,
    IncidentStatesPage,
    IncidentStatesRequest,
)
from itsm.incidents.store import snapshot
from itsm.tables import incidents


async def incident_states_page(session: AsyncSession, request: IncidentStatesRequest) -> IncidentStatesPage:
    query = select(incidents)
    if request.scope == IncidentScope.OPEN_UNDER_SLA:
        query = query.where(incidents.c.sla_id.isnot(None), incidents.c.status != "closed")
    if request.after is not None:
        query = query.where(incidents.c.id > request.after)
    rows = (await session.execute(query.order_by(incidents.c.id).limit(request.limit))).all()
    full = len(rows) == request.limit
    return IncidentStatesPage(
        states=[IncidentState(incident=snapshot(row)) for row in rows],
        next_after=rows[-1].id if full else None,
    )
