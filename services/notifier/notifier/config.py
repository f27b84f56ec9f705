"""The notifier service's settings: the shared ones (`HELPDESK_*`), and its own beside them (a field
`x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from helpdesk_common.config import HelpdeskSettings
from notifier.live.config import LiveSettings


class NotifierSettings(HelpdeskSettings, LiveSettings):
    service_name: str = "notifier"
    # Where operators open a ticket or an incident (HELPDESK_CONSOLE_URL, the console's public
    # address): a webhook's {{url}} and a notification e-mail's link are `ticket_url(number)` or
    # `incident_url(incident_id)`.
    console_url: str = "http://localhost:8000"
    # Networks a webhook may reach although they are not public (comma-separated CIDRs, in any
    # spelling): the internal targets an administrator admits (webhooks/addresses.py).
    webhook_allowed_networks: str = ""
    # One request's wait for the receiver's answer.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Retries after a network error, a 429 or a 5xx: the first after about `first`, doubling up to
    # `longest`, each with up to a quarter of jitter (a Retry-After within `longest` is honoured
    # instead); after `give_up` since the delivery was queued, failed.
    webhook_retry_first_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_longest_seconds: float = Field(default=3600.0, gt=0)
    webhook_give_up_after_seconds: float = Field(default=24 * 3600.0, gt=0)
    # How long a claimed delivery stays with its worker before another takes it over as abandoned.
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_batch_size: int = Field(default=50, ge=1)
    webhook_connections: int = Field(default=100, ge=1)
    # A webhook whose deliveries have failed this long without a success is flagged as failing.
    webhook_failing_after_seconds: float = Field(default=24 * 3600.0, gt=0)
    # Delivered and failed deliveries stay in the log this long (the jobs role prunes them).
    webhook_log_retention_days: float = Field(default=30.0, gt=0)
    # How often a notifier without its departments and switch asks ticketing for them again, while
    # ticketing's ticket-states role does not answer or another replica is learning them
    # (projections.py; HELPDESK_NOTIFIER_BOOTSTRAP_RETRY_SECONDS).
    notifier_bootstrap_retry_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _lease_outlives_the_request(self) -> Self:
        # Otherwise a live worker's delivery could be taken over and sent a second time meanwhile.
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "HELPDESK_WEBHOOK_LEASE_SECONDS must be longer than HELPDESK_WEBHOOK_TIMEOUT_SECONDS"
            )
        return self

    def ticket_url(self, number: str) -> str:
        """The console's page of a ticket (console/src/tickets: `/tickets/<number>`)."""
        return f"{self.console_url.rstrip('/')}/tickets/{number}"

    def incident_url(self, incident_id: object) -> str:
        """The console's page of an incident (`/incidents/<id>`, the route the Incidents page opens)."""
        return f"{self.console_url.rstrip('/')}/incidents/{incident_id}"

    def allowed_networks(self) -> list[str]:
        return [network for network in self.webhook_allowed_networks.split(",") if network.strip()]
