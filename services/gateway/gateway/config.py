"""The gateway's settings: the shared ones plus sign-in, cookies, throttling and upstreams."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from helpdesk_common.config import HelpdeskSettings

PUBLIC_NAMES: dict[str, str] = {
    "tickets": "ticketing",
    "mail": "mail-gateway",
    "sla": "sla-engine",
    "notifications": "notifier",
    "itsm": "itsm",
    "time": "timetracking",
}

# The requests a service authenticates itself, with a credential of its own in the body (an alert
# source's integration key, docs/alerts.md): the gateway forwards them with no operator and no internal
# token, so the service cannot take them for an operator's. Method, public name, path after it.
SERVICE_AUTHENTICATED: frozenset[tuple[str, str, str]] = frozenset({("POST", "itsm", "/alerts")})


# The console's build in a checkout of the repository (services/gateway/gateway/../../../console/dist).
REPOSITORY_CONSOLE = Path(__file__).resolve().parents[3] / "console"


def _repository_console_build() -> Path | None:
    """console/dist of the checkout this package runs from, built or not yet (the gateway serves a
    build made after it started); None where the package is installed without the repository."""
    return REPOSITORY_CONSOLE / "dist" if REPOSITORY_CONSOLE.is_dir() else None


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
    # The built console (index.html and assets/), served at /; None serves a page saying how to build it.
    console_dir: Path | None = Field(default_factory=_repository_console_build)

    # Sign-in throttling (docs/architecture.md, "Sign-in throttling"). A failure counts until an
    # hour passes without another; past each limit every further failure locks for a delay that
    # doubles from the first to the longest.
    throttle_window_minutes: float = 60.0
    throttle_pair_failures: int = 5  # per username and address, and per username and known device
    throttle_account_failures: int = 20  # per username, from clients the account does not know
    throttle_address_failures: int = 20  # per address, counting unknown usernames only
    throttle_first_delay_seconds: float = 1.0
    throttle_longest_delay_seconds: float = 900.0
    # A device or address stays known this long after the account last signed in from it.
    throttle_known_client_days: float = 90.0

    def upstreams(self) -> dict[str, str]:
        """Service name -> base URL, from HELPDESK_UPSTREAM_<SERVICE>."""
        found: dict[str, str] = {}
        for service in PUBLIC_NAMES.values():
            url = os.environ.get(f"HELPDESK_UPSTREAM_{service.upper().replace('-', '_')}")
            if url:
                found[service] = url.rstrip("/")
        return found
