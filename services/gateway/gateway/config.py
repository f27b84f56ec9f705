"""The gateway's settings: the shared ones plus sign-in, cookies, throttling and upstreams."""

from __future__ import annotations

import os

from helpdesk_common.config import HelpdeskSettings

PUBLIC_NAMES: dict[str, str] = {
    "tickets": "ticketing",
    "mail": "mail-gateway",
    "sla": "sla-engine",
    "notifications": "notifier",
    "itsm": "itsm",
    "time": "timetracking",
}


class GatewaySettings(HelpdeskSettings):
    service_name: str = "gateway"
    session_cookie: str = "helpdesk_session"
    session_ttl_hours: float = 12.0
    # Browsers drop Secure cookies over plain HTTP except on localhost; deployments behind TLS keep it on.
    cookie_secure: bool = True
    api_token_max_days: int = 365
    # How long an authenticated principal is reused without asking the database again. A revoke,
    # logout or disable on this replica takes effect at once; on other replicas within this time.
    auth_cache_seconds: float = 2.0
    # Same variable as ticketing's (HELPDESK_ATTACHMENT_MAX_BYTES), so the gateway lets uploads through.
    attachment_max_bytes: int = 25 * 1024 * 1024

    # Sign-in throttling: per account (known or not) and per address.
    throttle_window_minutes: float = 15.0
    throttle_account_failures: int = 5
    throttle_address_failures: int = 20
    throttle_lock_minutes: float = 15.0
    throttle_delay_step_seconds: float = 0.25
    throttle_delay_max_seconds: float = 2.0

    def upstreams(self) -> dict[str, str]:
        """Service name -> base URL, from HELPDESK_UPSTREAM_<SERVICE>."""
        found: dict[str, str] = {}
        for service in PUBLIC_NAMES.values():
            url = os.environ.get(f"HELPDESK_UPSTREAM_{service.upper().replace('-', '_')}")
            if url:
                found[service] = url.rstrip("/")
        return found
