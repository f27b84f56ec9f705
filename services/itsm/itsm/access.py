"""Who may do what in ITSM: reading incidents (their timelines, notes, time and CSAT) needs
`incidents.view` or `incidents.manage`; changing them `incidents.manage`; the alert sources, their
integration keys and the ITSM settings (matrix, storm, auto-close, defaults) `itsm.settings.manage`,
whose holders are also the "account admin" who may edit or delete anyone's note. Alerts over HTTP
carry an integration key instead of an operator (alerts/intake.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpdesk_common.auth import Operator, current_operator
from helpdesk_common.errors import PermissionMissing

VIEW_FLAG = "incidents.view"
MANAGE_FLAG = "incidents.manage"
SETTINGS_FLAG = "itsm.settings.manage"


async def _reader(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not (operator.has(VIEW_FLAG) or operator.has(MANAGE_FLAG)):
        raise PermissionMissing(VIEW_FLAG, MANAGE_FLAG)
    return operator


async def _settings_reader(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not any(operator.has(flag) for flag in (VIEW_FLAG, MANAGE_FLAG, SETTINGS_FLAG)):
        raise PermissionMissing(VIEW_FLAG, MANAGE_FLAG, SETTINGS_FLAG)
    return operator


async def _manager(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not operator.has(MANAGE_FLAG):
        raise PermissionMissing(MANAGE_FLAG)
    return operator


async def _administrator(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
    if not operator.has(SETTINGS_FLAG):
        raise PermissionMissing(SETTINGS_FLAG)
    return operator


IncidentReader = Annotated[Operator, Depends(_reader)]
IncidentManager = Annotated[Operator, Depends(_manager)]
# The settings, groups, organisations, host groups and SLA definitions: what incidents show, and what
# administrators set.
SettingsReader = Annotated[Operator, Depends(_settings_reader)]
ItsmAdministrator = Annotated[Operator, Depends(_administrator)]


def is_administrator(operator: Operator) -> bool:
    return operator.has(SETTINGS_FLAG)
