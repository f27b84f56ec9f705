"""The projection that keeps the Ticket System switch from ticketing's `ticket_settings_changed`
(the shared one, helpdesk_common/projections/module_switch.py), so the SLA endpoints are switched off
with the rest of the module."""

from __future__ import annotations

from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from sla_engine.tables import module_switch

module_switch_projection = ModuleSwitchProjection(
    "sla-engine",
    module_switch,
    why="The Ticket System switch, which gates the SLA endpoints as it gates ticketing's.",
)
ticket_settings_consumer = module_switch_projection.consumer
on_ticket_settings_changed = module_switch_projection.changed
