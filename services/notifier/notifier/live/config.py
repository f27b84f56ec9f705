"""The live updates' settings, part of the notifier's (`HELPDESK_LIVE_*`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LiveSettings(BaseModel):
    # Ticket events waiting to be written to one client.
    live_queue_size: int = Field(default=256, ge=1)
    # How long the queue may stay full before the client is told to resync and disconnected.
    live_behind_seconds: float = Field(default=10.0, gt=0)
    # How long one write to a client may take before it is given up as gone.
    live_write_timeout_seconds: float = Field(default=30.0, gt=0)
    # A comment line this often, so proxies keep the connection and a vanished client is noticed.
    live_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # A stream ends after this long and the browser reconnects (Last-Event-ID) with a new internal
    # token: a change of the operator's departments or flags takes effect within it.
    live_stream_seconds: float = Field(default=300.0, gt=0)
    # A presence not renewed within this lapses; the console renews it every third of it.
    live_presence_ttl_seconds: float = Field(default=30.0, gt=0)
    # How often a notifier without its live tickets asks ticketing for them again, while ticketing's
    # ticket-states role does not answer or another replica is learning them (live/bootstrap.py).
    live_bootstrap_retry_seconds: float = Field(default=5.0, gt=0)
