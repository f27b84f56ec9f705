"""Who may manage SLAs: seed 10.15's `tickets_manage_sla`, behind the Ticket System's own gate
(`tickets_enabled` and the module switch, as every ticket endpoint in ticketing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import module_access
from sla_engine.tables import module_switch

MANAGE_FLAG = "tickets_manage_sla"
STATISTICS_FLAG = "tickets_view_statistics"

SlaManager = Annotated[Operator, Depends(module_access(module_switch.c.ticket_system_enabled, MANAGE_FLAG))]

# The compliance read belongs to the statistics page (seed 10.1's flags).
StatisticsReader = Annotated[
    Operator, Depends(module_access(module_switch.c.ticket_system_enabled, STATISTICS_FLAG))
]
