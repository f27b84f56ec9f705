"""Which tickets an operator may see: as ticketing decides it (ticketing/tickets/reading.py,
`visible_to`), from the flags and departments the gateway's token names."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, false

from helpdesk_common.auth import Operator

ALL_DEPARTMENTS_FLAG = "tickets_view_all_departments"


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
