"""The mail-gateway service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps). Test modules cannot import from here (a service's tests folder is no
package), so what they share is a fixture: `mail`, the app with the records ticketing would have
announced made by the real projection handlers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from cryptography.fernet import Fernet

from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentRemoved,
    DepartmentSnapshot,
    TicketSettingsChanged,
    TicketSettingsData,
)
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from mail_gateway.main import service
from mail_gateway.projections.consumers import (
    on_department_changed,
    on_department_removed,
    on_ticket_settings_changed,
)

MANAGER = ("tickets_enabled", "tickets_manage_departments")


@dataclass
class MailApp:
    app: ServiceApp
    secret_key: str

    @property
    def client(self) -> Any:
        return self.app.client

    def manager(self, *flags: str) -> dict[str, str]:
        return self.app.as_operator(*(flags or MANAGER))

    async def switch_module(self, enabled: bool) -> None:
        event = TicketSettingsChanged.build(
            source="ticketing",
            subject="settings",
            data=TicketSettingsData(
                ticket_system_enabled=enabled, ticket_number_prefix="TKT", blocked_extensions=[]
            ),
        )
        async with self.app.sessions() as session, session.begin():
            await on_ticket_settings_changed(session, event)
        # The process caches the switch for a second; a test need not wait for it.
        self.app.client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]

    async def department_known(self, name: str = "Support") -> uuid.UUID:
        event = DepartmentChanged.build(
            source="ticketing", subject="department", data=_department(uuid.uuid4(), name)
        )
        async with self.app.sessions() as session, session.begin():
            await on_department_changed(session, event)
        return event.data.department.id

    async def department_removed(self, department_id: uuid.UUID) -> None:
        event = DepartmentRemoved.build(
            source="ticketing", subject=str(department_id), data=_department(department_id, "Gone")
        )
        async with self.app.sessions() as session, session.begin():
            await on_department_removed(session, event)

    async def sql(self, query: str, *arguments: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(libpq_url(self.app.url))
        try:
            return list(await connection.fetch(query, *arguments))
        finally:
            await connection.close()


def _department(department_id: uuid.UUID, name: str) -> DepartmentData:
    return DepartmentData(department=DepartmentSnapshot(id=department_id, name=name, enabled=True))


MailAppFactory = Callable[..., AbstractAsyncContextManager[MailApp]]


@pytest.fixture
def mail_app_with(database: TestDatabase, servers: TestServers) -> MailAppFactory:
    """`async with mail_app_with(mail_allow_plaintext=True) as mail:` for other settings."""

    def started(**settings: Any) -> AbstractAsyncContextManager[MailApp]:
        return _started(database, servers, **settings)

    return started


@asynccontextmanager
async def _started(database: TestDatabase, servers: TestServers, **settings: Any) -> AsyncIterator[MailApp]:
    key = Fernet.generate_key().decode()
    async with service_app(service, database, servers, secret_key=key, **settings) as running:
        yield MailApp(running, key)


@pytest.fixture
async def mail(mail_app_with: MailAppFactory) -> AsyncIterator[MailApp]:
    async with mail_app_with() as running:
        await running.switch_module(True)
        yield running


@pytest.fixture
async def app(mail: MailApp) -> ServiceApp:
    return mail.app
