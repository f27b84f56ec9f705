"""The gate in front of every endpoint of the Ticket System module (seed 10.2), in each service that
serves a part of it (ticketing; the SLA engine, the notifier, time tracking): the `tickets_enabled`
flag, the module switch, then the endpoint's own flags. Each service reads the switch from its own
schema (ticketing owns it; the others keep a projection of `ticket_settings_changed`). And which
tickets an operator may see, as ticketing decides it (ticketing/tickets/reading.py, `visible_to`),
from the flags and departments the gateway's token names."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from cachetools import TTLCache
from fastapi import Request
from sqlalchemy import Column, and_, false, select

from helpdesk_common.auth import Operator, current_operator
from helpdesk_common.errors import Forbidden, PermissionMissing

MODULE_FLAG = "tickets_enabled"
ALL_DEPARTMENTS_FLAG = "tickets_view_all_departments"
# How long a process trusts its last reading of the switch; a change reaches every replica within it.
SWITCH_CACHE_SECONDS = 1.0


class ModuleDisabled(Forbidden):
    problem_type = "urn:helpdesk:problem:module-disabled"
    title = "The Ticket System is disabled"


async def module_enabled(request: Request, switch: Column[bool]) -> bool:
    """The switch as this process last read it (at most SWITCH_CACHE_SECONDS old)."""
    state = request.app.state
    cache: TTLCache[str, bool] | None = getattr(state, "ticket_system_switch", None)
    if cache is None:
        cache = state.ticket_system_switch = TTLCache(maxsize=1, ttl=SWITCH_CACHE_SECONDS)
    enabled = cache.get("enabled")
    if enabled is None:
        async with state.session_factory() as session:
            # No row yet (a projection that has not heard from ticketing) reads as off, the seed's default.
            enabled = cache["enabled"] = bool((await session.execute(select(switch))).scalar_one_or_none())
    return enabled


def module_access(
    switch: Column[bool], *flags: str, any_of: tuple[str, ...] = ()
) -> Callable[[Request], Coroutine[Any, Any, Operator]]:
    """`Depends(module_access(module_settings.c.ticket_system_enabled, "tickets_create"))`; `switch` is
    the boolean column of a one-row table in the service's schema. `any_of`: at least one of these
    too, for a read several workflows share (the contact autocomplete of New Ticket and of Details)."""

    async def dependency(request: Request) -> Operator:
        operator = await current_operator(request)
        if not operator.has(MODULE_FLAG):
            raise PermissionMissing(MODULE_FLAG)
        if not await module_enabled(request, switch):
            raise ModuleDisabled(
                "The Ticket System is switched off (Settings, Ticket System, 'Ticket System Enabled').",
                reason="module_disabled",
            )
        for flag in flags:
            if not operator.has(flag):
                raise PermissionMissing(flag)
        if any_of and not any(operator.has(flag) for flag in any_of):
            raise PermissionMissing(*any_of)
        return operator

    return dependency


def may_see(operator: Operator, department_id: uuid.UUID | None) -> bool:
    """A ticket of no department is seen only with the flag, as in ticketing's queue."""
    if operator.has(ALL_DEPARTMENTS_FLAG):
        return True
    return department_id is not None and department_id in operator.department_ids


def visible_departments(operator: Operator, department_column: Any) -> Any:
    """The same rule as a WHERE clause."""
    if operator.has(ALL_DEPARTMENTS_FLAG):
        return and_(True)
    if not operator.department_ids:
        return false()
    return department_column.in_(operator.department_ids)
