"""Who may see and change a department's mailbox: seed 10.10's `tickets_manage_departments`, behind
the Ticket System's own gate (`tickets_enabled` and the module switch, as in ticketing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import module_access
from mail_gateway.tables.mailboxes import module_settings

MANAGE_FLAG = "tickets_manage_departments"

DepartmentManager = Annotated[
    Operator, Depends(module_access(module_settings.c.ticket_system_enabled, MANAGE_FLAG))
]
