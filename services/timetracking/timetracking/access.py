"""Who may do what with time, behind the Ticket System's own gate (`tickets_enabled` and the module
switch, as in ticketing): a ticket's Time Tracking tab needs the module only (and a ticket the operator
can see, work_items.py); the department's section `tickets_manage_departments` (seed 10.10); the day
calendar `tickets_view_time_tracking` (seed 10.8); the hours report either that or the statistics
page's `tickets_view_statistics`. Deleting another operator's entry needs `tickets_manage_time_entries`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import module_access
from timetracking.tables import module_switch

MANAGE_DEPARTMENTS_FLAG = "tickets_manage_departments"
VIEW_TIME_TRACKING_FLAG = "tickets_view_time_tracking"
VIEW_STATISTICS_FLAG = "tickets_view_statistics"
MANAGE_ENTRIES_FLAG = "tickets_manage_time_entries"

_switch = module_switch.c.ticket_system_enabled

TicketWorker = Annotated[Operator, Depends(module_access(_switch))]
DepartmentManager = Annotated[Operator, Depends(module_access(_switch, MANAGE_DEPARTMENTS_FLAG))]
DayReader = Annotated[Operator, Depends(module_access(_switch, VIEW_TIME_TRACKING_FLAG))]
ReportReader = Annotated[
    Operator,
    Depends(module_access(_switch, any_of=(VIEW_STATISTICS_FLAG, VIEW_TIME_TRACKING_FLAG))),
]


def may_delete(operator: Operator, user_id: object) -> bool:
    """Their own entries, or anyone's with the flag."""
    return user_id == operator.id or operator.has(MANAGE_ENTRIES_FLAG)
