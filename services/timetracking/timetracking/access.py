"""Who may do what with time. On tickets, behind the Ticket System's own gate (`tickets_enabled` and the
module switch, as in ticketing): a ticket's Time Tracking tab needs the module only (and a ticket the
operator can see, work_items.py); the department's section `tickets_manage_departments` (seed 10.10);
the day calendar `tickets_view_time_tracking` (seed 10.8); the hours report either that or the
statistics page's `tickets_view_statistics`. On incidents, as in ITSM and without the Ticket System's
gate: reading their time `incidents.view` or `incidents.manage`, booking and deleting `incidents.manage`.
Deleting another operator's entry, on either, needs `tickets_manage_time_entries` too."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator, current_operator
from helpdesk_common.errors import PermissionMissing
from helpdesk_common.ticket_module import module_access
from timetracking.tables import module_switch
from timetracking.work_items import INCIDENT

MANAGE_DEPARTMENTS_FLAG = "tickets_manage_departments"
VIEW_TIME_TRACKING_FLAG = "tickets_view_time_tracking"
VIEW_STATISTICS_FLAG = "tickets_view_statistics"
MANAGE_ENTRIES_FLAG = "tickets_manage_time_entries"
VIEW_INCIDENTS_FLAG = "incidents.view"
MANAGE_INCIDENTS_FLAG = "incidents.manage"

_switch = module_switch.c.ticket_system_enabled

TicketWorker = Annotated[Operator, Depends(module_access(_switch))]
DepartmentManager = Annotated[Operator, Depends(module_access(_switch, MANAGE_DEPARTMENTS_FLAG))]
DayReader = Annotated[Operator, Depends(module_access(_switch, VIEW_TIME_TRACKING_FLAG))]
ReportReader = Annotated[
    Operator,
    Depends(module_access(_switch, any_of=(VIEW_STATISTICS_FLAG, VIEW_TIME_TRACKING_FLAG))),
]


async def _incident_reader(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not (operator.has(VIEW_INCIDENTS_FLAG) or operator.has(MANAGE_INCIDENTS_FLAG)):
        raise PermissionMissing(VIEW_INCIDENTS_FLAG, MANAGE_INCIDENTS_FLAG)
    return operator


async def _incident_manager(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not operator.has(MANAGE_INCIDENTS_FLAG):
        raise PermissionMissing(MANAGE_INCIDENTS_FLAG)
    return operator


IncidentReader = Annotated[Operator, Depends(_incident_reader)]
IncidentManager = Annotated[Operator, Depends(_incident_manager)]


def may_delete(operator: Operator, *, kind: str, user_id: object) -> bool:
    """Their own entries, or anyone's with the flag; on an incident only while they may manage it."""
    if kind == INCIDENT and not operator.has(MANAGE_INCIDENTS_FLAG):
        return False
    return user_id == operator.id or operator.has(MANAGE_ENTRIES_FLAG)
