"""The gate in front of every ticket endpoint: the module switch and tickets_enabled, then the
endpoint's own flag. Either missing answers 403 with the reason (helpdesk_common.ticket_module)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import module_access
from ticketing.tables.settings import module_settings


def ticket_access(
    *flags: str, any_of: tuple[str, ...] = ()
) -> Callable[[Request], Coroutine[Any, Any, Operator]]:
    """`Depends(ticket_access("tickets_create"))`; `any_of`: at least one of these as well."""
    return module_access(module_settings.c.ticket_system_enabled, *flags, any_of=any_of)
