"""Which public name reaches which service, and where each service listens."""

from __future__ import annotations

import os
from collections.abc import Mapping

# /api/<public>/... -> service; the public names are the ones the console and integrations use.
PUBLIC_NAMES: dict[str, str] = {
    "tickets": "ticketing",
    "mail": "mail-gateway",
    "sla": "sla-engine",
    "notifications": "notifier",
    "itsm": "itsm",
    "time": "timetracking",
}


def upstream_variable(service: str) -> str:
    """HELPDESK_UPSTREAM_MAIL_GATEWAY for mail-gateway."""
    return "HELPDESK_UPSTREAM_" + service.upper().replace("-", "_")


def upstreams_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Base URLs keyed by service name; a service with no variable set is not routed."""
    found = {service: environ.get(upstream_variable(service), "") for service in PUBLIC_NAMES.values()}
    return {service: url.rstrip("/") for service, url in found.items() if url}
