"""The permission flags of the platform (seed 10.18 and the ITSM guide) and what each gates."""

from __future__ import annotations

TICKET_FLAGS: dict[str, str] = {
    "tickets_enabled": (
        "Access to the Tickets module; required for any other ticket permission to take effect."
    ),
    "tickets_create": "Create tickets.",
    "tickets_edit": "Edit every Details field of a ticket except the assignee.",
    "tickets_delete": "Delete tickets (hard delete).",
    "tickets_assign": "Change a ticket's assigned operator.",
    "tickets_view_time_tracking": "The time tracking page.",
    "tickets_manage_time_entries": "Delete other operators' time entries.",
    "tickets_view_statistics": "The statistics page.",
    "tickets_view_all_departments": "See tickets outside the operator's own departments.",
    "tickets_manage_departments": "Manage departments.",
    "tickets_manage_templates": "Manage templates.",
    "tickets_manage_labels_types": "Manage labels and types.",
    "tickets_manage_customers": "Manage customers and contacts.",
    "tickets_manage_sla": "Manage SLAs.",
    "tickets_manage_webhooks": "Manage a department's webhooks.",
    "settings_system_enabled": (
        "The Ticket System settings: master switch, number prefix, blocked extensions."
    ),
}

ITSM_FLAGS: dict[str, str] = {
    "incidents.view": "See incidents, their timelines, notes, time and CSAT.",
    "incidents.manage": "Create, assign, escalate and resolve incidents; on-call schedules.",
    "itsm.settings.manage": (
        "Alert sources and their integration keys, the priority matrix, storm and auto-close settings, "
        "organisation and host group defaults; edit or delete anyone's incident note."
    ),
    "problems.manage": "Problems, root cause analysis and the known error database.",
    "changes.approve": "Approve or reject changes as a CAB member.",
    "service_requests.manage": "Approve, reject and complete service requests.",
    "service_catalog.manage": "Create, edit and deactivate service catalog items.",
}

PLATFORM_FLAGS: dict[str, str] = {
    "operators_manage": "Create, edit, disable and delete operators and roles; clear sign-in locks.",
}

ALL_FLAGS: dict[str, str] = {**TICKET_FLAGS, **ITSM_FLAGS, **PLATFORM_FLAGS}
