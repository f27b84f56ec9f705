"""Ticketing's settings: the shared ones plus attachments."""

from __future__ import annotations

from helpdesk_common.config import HelpdeskSettings


class TicketingSettings(HelpdeskSettings):
    service_name: str = "ticketing"
    attachment_max_bytes: int = 25 * 1024 * 1024
    attachments_bucket: str = "ticket-attachments"
