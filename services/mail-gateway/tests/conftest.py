"""The mail-gateway service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps). Test modules cannot import from here (a service's tests folder is no
package), so what they share is a fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from mail_gateway.main import service


@pytest.fixture
async def app(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceApp]:
    async with service_app(service, database, servers) as running:
        yield running
