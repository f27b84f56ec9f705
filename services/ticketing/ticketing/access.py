"""The gate in front of every ticket endpoint: the module switch and tickets_enabled, then the
endpoint's own flag. Either missing answers 403 with the reason."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from sqlalchemy import select

from helpdesk_common.auth import Operator, current_operator
from helpdesk_common.errors import Forbidden, PermissionMissing
from ticketing.tables import module_settings

# How long a process trusts its last reading of the switch; a change reaches every replica within it.
SWITCH_CACHE_SECONDS = 1.0


class ModuleDisabled(Forbidden):
    problem_type = "urn:helpdesk:problem:module-disabled"
    title = "The Ticket System is disabled"


async def _module_enabled(request: Request) -> bool:
    state = request.app.state
    cached: tuple[float, bool] | None = getattr(state, "ticket_system_switch", None)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    async with state.session_factory() as session:
        enabled = bool((await session.execute(select(module_settings.c.ticket_system_enabled))).scalar_one())
    state.ticket_system_switch = (time.monotonic() + SWITCH_CACHE_SECONDS, enabled)
    return enabled


def ticket_access(*flags: str) -> Callable[[Request], Coroutine[Any, Any, Operator]]:
    """`Depends(ticket_access("tickets_create"))`."""

    async def dependency(request: Request) -> Operator:
        operator = await current_operator(request)
        if not operator.has("tickets_enabled"):
            raise PermissionMissing("tickets_enabled")
        if not await _module_enabled(request):
            raise ModuleDisabled(
                "The Ticket System is switched off (Settings, Ticket System, 'Ticket System Enabled').",
                reason="module_disabled",
            )
        for flag in flags:
            if not operator.has(flag):
                raise PermissionMissing(flag)
        return operator

    return dependency
