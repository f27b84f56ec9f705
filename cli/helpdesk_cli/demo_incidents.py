"""The demo's incidents: an alert source and the alerts a monitoring system would send it over the
public intake (docs/alerts.md), some acknowledged or resolved by the source, a storm across four
hosts, and one incident an operator opened by hand and assigned."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

Call = Callable[..., Awaitable[Any]]

# Each on two hosts at most: three within five minutes would be a storm (docs/itsm.md), which the
# demo shows once, on purpose, with STORM_RULE.
CHECKS = (
    ("disk_usage_high", "error", "Disk /var above 90% on {host}"),
    ("cpu_high", "warning", "CPU above 95% for 10 minutes on {host}"),
    ("backup_failed", "critical", "Nightly backup failed on {host}"),
    ("certificate_expiring", "info", "TLS certificate of {host} expires in 14 days"),
    ("memory_pressure", "warning", "Swap in use above 50% on {host}"),
    ("antivirus_outdated", "error", "Antivirus signatures older than 7 days on {host}"),
)
STORM_RULE = "vpn_gateway_unreachable"


async def fill_incidents(call: Call, hosts: list[str], assignee_id: str, say: Callable[[str], None]) -> int:
    """The alerts sent, after the source was made; the incidents follow as the correlator takes them."""
    source = await call(
        "POST",
        "/api/itsm/alert-sources",
        json={
            "name": f"demo-monitoring-{secrets.token_hex(2)}",
            "description": "The demo's monitoring system",
        },
    )
    key = source["new_key"]["key"]
    alerts: list[dict[str, Any]] = []
    for number, host in enumerate(hosts):
        rule, severity, summary = CHECKS[number % len(CHECKS)]
        alerts += [_trigger(key, f"{host}/{rule}", host, rule, severity, summary.format(host=host))] * (
            1 + number % 3
        )
    for host in hosts[:4]:
        alerts.append(
            _trigger(key, None, host, STORM_RULE, "critical", f"VPN gateway unreachable from {host}")
        )
    say(f"Sending {len(alerts)} alerts from {source['name']}...")
    for alert in alerts:
        await call("POST", "/api/itsm/alerts", json=alert)
    # Behind its triggers on the source's subject, so the correlator takes them after.
    rule, _, _ = CHECKS[0]
    await call(
        "POST",
        "/api/itsm/alerts",
        json={"routing_key": key, "event_action": "acknowledge", "dedup_key": f"{hosts[0]}/{rule}"},
    )
    rule, _, _ = CHECKS[1]
    await call(
        "POST",
        "/api/itsm/alerts",
        json={"routing_key": key, "event_action": "resolve", "dedup_key": f"{hosts[1]}/{rule}"},
    )
    manual = await call(
        "POST",
        "/api/itsm/incidents",
        json={
            "title": "Printers in building B are offline",
            "description": "Reported by the front desk; all six printers show no network.",
            "severity": "error",
            "category": "printing",
        },
    )
    await _assign(call, manual["id"], assignee_id)
    return len(alerts) + 2


async def _assign(call: Call, incident_id: str, assignee_id: str) -> None:
    """Once the operator, made moments ago, has reached ITSM's copy of the operators."""
    for attempt in range(120):
        try:
            await call("POST", f"/api/itsm/incidents/{incident_id}/assign", json={"assignee_id": assignee_id})
            return
        except RuntimeError:
            if attempt == 119:
                raise
            await asyncio.sleep(0.25)


def _trigger(
    key: str, dedup_key: str | None, host: str, rule: str, severity: str, summary: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {
            "summary": summary,
            "source": host,
            "severity": severity,
            "rule": rule,
            "class": rule.split("_")[0],
        },
    }
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    return body
