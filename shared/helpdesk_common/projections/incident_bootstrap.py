"""How a service without its copy of ITSM's incidents (a first deploy, a lost database) learns them: not
by replaying the ITSM stream (two weeks, and no older incident), but by asking itsm for the incidents as
they are now (contracts/incident_states.py), page by page, each applied by the service's own `apply`,
the rule its events go through, through the shared bootstrap (bootstrap.py: the durable consumer
first, an advisory lock, a marker), as ticket_bootstrap.py learns the tickets.

`apply` must keep the newer of a snapshot and an event already applied (snapshots carry `updated_at`).
A service declares the marker (`incident_bootstrap_table`) in its metadata, creates it in a migration,
and runs `keep_trying` from a job of its `jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import nats
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ConsumerSpec
from helpdesk_common.contracts.incident_states import (
    INCIDENT_STATES_ANSWERER,
    INCIDENT_STATES_SUBJECT,
    IncidentScope,
    IncidentState,
    IncidentStatesPage,
    IncidentStatesRequest,
)
from helpdesk_common.projections.bootstrap import PAGE, Bootstrap, bootstrap_table

ApplyIncidentState = Callable[[AsyncSession, IncidentState], Awaitable[None]]


def incident_bootstrap_table(metadata: MetaData, name: str = "incident_bootstrap") -> Table:
    """One row (id 1) once the incidents were learnt: when, and how many."""
    return bootstrap_table(metadata, name, "incidents")


@dataclass(frozen=True)
class IncidentBootstrap(Bootstrap):
    """`consumer` the durable of the incident events made to exist first; `scope` which incidents to
    ask for."""

    answerer: ClassVar[str] = INCIDENT_STATES_ANSWERER

    consumer: ConsumerSpec
    scope: IncidentScope
    apply: ApplyIncidentState
    page_size: int = PAGE

    @property
    def consumers(self) -> Sequence[ConsumerSpec]:
        return (self.consumer,)

    async def learn(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> dict[str, int]:
        def request(after: uuid.UUID | None) -> IncidentStatesRequest:
            return IncidentStatesRequest(after=after, limit=self.page_size, scope=self.scope)

        learnt = await self.learn_pages(
            sessions, client, INCIDENT_STATES_SUBJECT, request, IncidentStatesPage, self.apply
        )
        return {"incidents": learnt}
