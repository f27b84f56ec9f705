"""The SLA engine's settings: the shared ones plus the timer sweep."""

from __future__ import annotations

from pydantic import Field

from helpdesk_common.config import HelpdeskSettings


class SlaEngineSettings(HelpdeskSettings):
    service_name: str = "sla-engine"
    # How often the sweep looks for warnings and breaches that fell due: an alert is at most this
    # late, and a look that finds nothing due is one index probe (HELPDESK_SLA_SWEEP_INTERVAL_SECONDS).
    sla_sweep_interval_seconds: float = Field(default=0.5, gt=0)
    # Timers claimed per transaction; each batch commits on its own.
    sla_sweep_batch_size: int = Field(default=200, gt=0)
    # How often an engine without its timers, or without its switch, asks ticketing (itsm, for the
    # incident timers) for them again, while ticketing's ticket-states role (itsm's incident-states
    # role) does not answer (timers/bootstrap.py, incidents/bootstrap.py, projections.py;
    # HELPDESK_SLA_BOOTSTRAP_RETRY_SECONDS).
    sla_bootstrap_retry_seconds: float = Field(default=5.0, gt=0)
