"""Who may see and change the notifier's settings. A department's, behind the Ticket System's own gate
(`tickets_enabled` and the module switch, as in ticketing): seed 10.16's `tickets_manage_webhooks` for
its webhooks, seed 10.10's `tickets_manage_departments` for its e-mail notifications (a section of the
department's own dialog, as in the mail gateway's mailbox settings). The ITSM account's webhooks and
incident e-mails: `incidents.manage`, the flag of the incident process (the Ticket System's switch
does not gate it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator, require
from helpdesk_common.ticket_module import module_access
from notifier.tables import module_switch

MANAGE_FLAG = "tickets_manage_webhooks"
MANAGE_DEPARTMENTS_FLAG = "tickets_manage_departments"
MANAGE_INCIDENTS_FLAG = "incidents.manage"

WebhookManager = Annotated[
    Operator, Depends(module_access(module_switch.c.ticket_system_enabled, MANAGE_FLAG))
]
DepartmentManager = Annotated[
    Operator, Depends(module_access(module_switch.c.ticket_system_enabled, MANAGE_DEPARTMENTS_FLAG))
]
IncidentManager = Annotated[Operator, Depends(require(MANAGE_INCIDENTS_FLAG))]
