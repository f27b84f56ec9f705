"""Tables of the `notifier` schema; the outbox, inbox and dead letters come from helpdesk_common. A
change here is a new revision in migrations/ as well (docs/architecture.md, "Migrations")."""

from notifier.tables.metadata import metadata
from notifier.tables.notifications import incident_notification_settings, notification_settings
from notifier.tables.projections import departments, module_switch, operators, records_bootstrap
from notifier.tables.webhooks import webhook_attempts, webhook_deliveries, webhooks

__all__ = [
    "departments",
    "incident_notification_settings",
    "metadata",
    "module_switch",
    "notification_settings",
    "operators",
    "records_bootstrap",
    "webhook_attempts",
    "webhook_deliveries",
    "webhooks",
]
