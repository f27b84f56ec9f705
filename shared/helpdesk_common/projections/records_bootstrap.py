"""How a service without its copy of ticketing's departments and Ticket System switch (a first deploy, a
lost database) learns them: TICKETING keeps two weeks, so departments and settings last changed before
that would stay unknown (404) and the module off (403) until an administrator changed them again.
Through the shared bootstrap (bootstrap.py): the projections' durable consumers first, then ticketing's
department states page by page and its settings state (contracts/ticket_states.py), each applied by
the projection's own newest-by-time rule (departments.py, module_switch.py), so a state read before a
newer event changes nothing and a removed department stays removed.

A service declares the marker (`records_bootstrap_table`) in its metadata, creates it in a migration,
builds a `RecordsBootstrap` of the projections it keeps, and runs `keep_trying` from a job of its
`jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import nats
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ConsumerSpec
from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    TICKET_STATES_ANSWERER,
    DepartmentStatesPage,
    DepartmentStatesRequest,
    SettingsStateAnswer,
    SettingsStateRequest,
)
from helpdesk_common.projections.bootstrap import (
    PAGE,
    Bootstrap,
    OwnerDidNotAnswer,
    apply_all,
    ask,
    bootstrap_table,
)
from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection


def records_bootstrap_table(metadata: MetaData, name: str = "records_bootstrap") -> Table:
    """One row (id 1) once the departments and the switch were learnt: when, and how many departments."""
    return bootstrap_table(metadata, name, "departments")


@dataclass(frozen=True)
class RecordsBootstrap(Bootstrap):
    """`departments` and `switch`: the service's projections (the SLA engine keeps no departments)."""

    answerer: ClassVar[str] = TICKET_STATES_ANSWERER

    switch: ModuleSwitchProjection
    departments: DepartmentsProjection | None = None
    page_size: int = PAGE

    @property
    def consumers(self) -> Sequence[ConsumerSpec]:
        switch = self.switch.consumer.spec
        return (switch,) if self.departments is None else (switch, self.departments.consumer.spec)

    async def learn(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> dict[str, int]:
        settings = await ask(
            client,
            SETTINGS_STATE_SUBJECT,
            SettingsStateRequest(),
            SettingsStateAnswer,
            answerer=self.answerer,
        )
        if settings.state is None:
            raise OwnerDidNotAnswer("ticketing's settings state came without the settings")
        await apply_all(sessions, self.switch.apply_state, [settings.state])
        return {"departments": await self._learn_departments(sessions, client)}

    async def _learn_departments(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> int:
        if self.departments is None:
            return 0

        def request(after: uuid.UUID | None) -> DepartmentStatesRequest:
            return DepartmentStatesRequest(after=after, limit=self.page_size)

        return await self.learn_pages(
            sessions,
            client,
            DEPARTMENT_STATES_SUBJECT,
            request,
            DepartmentStatesPage,
            self.departments.apply_state,
        )
