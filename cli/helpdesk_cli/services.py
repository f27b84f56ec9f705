"""Finding the platform's services: each declares itself under the `helpdesk.services` entry point."""

from __future__ import annotations

from importlib.metadata import entry_points

from helpdesk_common.service import ServiceDefinition

# Start order of `helpdesk up`; the gateway last, so it finds the others answering.
ORDER = ("ticketing", "mail-gateway", "sla-engine", "notifier", "itsm", "timetracking", "gateway")


def all_services() -> dict[str, ServiceDefinition]:
    found = {ep.name: ep.load() for ep in entry_points(group="helpdesk.services")}
    ordered = {name: found[name] for name in ORDER if name in found}
    ordered.update({name: definition for name, definition in found.items() if name not in ordered})
    return ordered


def env_suffix(service: str) -> str:
    return service.upper().replace("-", "_")
