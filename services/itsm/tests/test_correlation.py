"""Alerts to incidents (docs/itsm.md, "Correlation"): a key an open incident holds attaches to it,
acknowledge and resolve act on it, a storm across hosts becomes one incident that gathers the
per-host ones, and nothing is applied twice, even by two replicas racing on one key."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import orjson
import pytest

from helpdesk_common.bus.dead_letters import RetryPolicy
from helpdesk_common.contracts.alerts import Alert
from itsm.alerts.correlation import alerts_consumer

Desk = Any


async def test_a_trigger_opens_an_incident_and_its_dedup_key_gathers_the_next(desk: Desk) -> None:
    first = desk.trigger("db-01", "disk_full", dedup_key="db-01/disk", severity="error", component="/var")
    await desk.correlate(first)
    (incident,) = await desk.incidents()
    assert (incident["title"], incident["host"], incident["source"]) == (
        "disk_full on db-01",
        "db-01",
        "nagios",
    )
    assert (incident["alert_count"], incident["status"], incident["severity"]) == (1, "open", "error")
    assert incident["enrichment"]["subcategory"] == {"value": "/var", "origin": "alert component"}
    assert incident["enrichment"]["category"] == {"value": "nagios", "origin": "event source"}

    desk.at(minutes=1)
    await desk.correlate(
        desk.trigger("db-01", "disk_full", dedup_key="db-01/disk"),
        desk.trigger("db-01", "disk_full", dedup_key="db-01/disk"),
    )
    (again,) = await desk.incidents()
    assert again["id"] == incident["id"]
    assert again["alert_count"] == 3 and again["last_seen_at"].startswith("2026-03-10T08:01")
    assert again["first_seen_at"].startswith("2026-03-10T08:00")
    kinds = [entry["kind"] for entry in await desk.timeline(incident["id"])]
    assert kinds == ["alert", "created", "alert", "alert"]
    # Alerts added to an incident change its counts, not the bus: one event, the creation.
    assert [event["type"] for event in await desk.published()] == ["incident_created"]


async def test_the_same_key_of_another_source_is_another_incident(desk: Desk) -> None:
    await desk.correlate(
        desk.trigger("db-01", dedup_key="k", source="nagios"),
        desk.trigger("db-01", dedup_key="k", source="zabbix"),
    )
    assert sorted(i["source"] for i in await desk.incidents()) == ["nagios", "zabbix"]


async def test_without_a_dedup_key_host_and_rule_correlate(desk: Desk) -> None:
    await desk.correlate(
        desk.trigger("web-01", "cpu_high"),
        desk.trigger("web-01", "cpu_high"),
        desk.trigger("web-01", "mem_high"),
    )
    counts = sorted((i["rule"], i["alert_count"]) for i in await desk.incidents())
    assert counts == [("cpu_high", 2), ("mem_high", 1)]


async def test_acknowledge_and_resolve_act_on_the_incident_and_change_nothing_twice(desk: Desk) -> None:
    await desk.correlate(desk.trigger("db-01", dedup_key="db-01/disk"))
    acknowledge = desk.alert(event_action="acknowledge", dedup_key="db-01/disk")
    await desk.correlate(acknowledge, desk.alert(event_action="acknowledge", dedup_key="db-01/disk"))
    (incident,) = await desk.incidents()
    assert incident["status"] == "acknowledged" and incident["acknowledged_at"]

    desk.at(minutes=5)
    resolve = desk.alert(event_action="resolve", dedup_key="db-01/disk")
    await desk.correlate(resolve, desk.alert(event_action="resolve", dedup_key="db-01/disk"))
    (resolved,) = await desk.incidents()
    assert (resolved["status"], resolved["resolution_code"]) == ("resolved", "resolved")
    assert resolved["resolution_notes"] == "Resolved by nagios"
    types = [event["type"] for event in await desk.published()]
    assert types == ["incident_created", "incident_acknowledged", "incident_resolved"]
    outcomes = sorted(row.outcome for row in await desk.sql("SELECT outcome FROM alerts"))
    assert outcomes == ["acknowledged", "ignored", "ignored", "opened", "resolved"]

    # The key is free again: the next trigger is a new incident.
    desk.at(minutes=6)
    await desk.correlate(desk.trigger("db-01", dedup_key="db-01/disk"))
    assert sorted(i["status"] for i in await desk.incidents()) == ["open", "resolved"]


async def test_three_hosts_within_the_window_become_one_storm_that_gathers_the_per_host_incidents(
    desk: Desk,
) -> None:
    await desk.correlate(desk.trigger("web-01", "http_5xx"))
    desk.at(minutes=1)
    await desk.correlate(desk.trigger("web-02", "http_5xx"))
    assert len(await desk.incidents()) == 2
    desk.at(minutes=2)
    await desk.correlate(
        desk.trigger("web-03", "http_5xx"),
        desk.trigger("web-04", "http_5xx"),
        desk.trigger("web-01", "http_5xx"),
    )

    incidents = {i["host"] or "storm": i for i in await desk.incidents()}
    storm = incidents["storm"]
    assert storm["is_storm"] and storm["status"] == "open" and storm["title"] == "Storm: http_5xx on 3 hosts"
    assert storm["host_count"] == 4 and storm["alert_count"] == 5
    # Three hosts raise the impact a level: critical stays high, urgency high -> P1.
    assert storm["enrichment"]["impact"]["origin"] == "severity critical; raised: 3 hosts"
    for host in ("web-01", "web-02"):
        gathered = incidents[host]
        assert (gathered["status"], gathered["storm_id"], gathered["resolution_code"]) == (
            "closed",
            storm["id"],
            "duplicate",
        )
    assert "web-03" not in incidents and "web-04" not in incidents
    kinds = [entry["kind"] for entry in await desk.timeline(storm["id"])]
    assert kinds.count("alert") == 5 and kinds.count("storm") == 2
    types = [event["type"] for event in await desk.published()]
    assert types == [
        "incident_created",
        "incident_created",
        "incident_created",
        "incident_closed",
        "incident_closed",
    ]

    # Each host's resolve resolves its key; the storm resolves with the last.
    for host in ("web-01", "web-02", "web-03"):
        await desk.correlate(desk.alert(event_action="resolve", dedup_key=f"host:{host}|rule:http_5xx"))
    assert (await desk.incident(storm["id"]))["status"] == "open"
    await desk.correlate(desk.alert(event_action="resolve", dedup_key="host:web-04|rule:http_5xx"))
    assert (await desk.incident(storm["id"]))["status"] == "resolved"


async def test_hosts_further_apart_than_the_window_make_no_storm(desk: Desk) -> None:
    for minute, host in ((0, "a"), (4, "b"), (10, "c"), (16, "d")):
        desk.at(minutes=minute)
        await desk.correlate(desk.trigger(host, "ping_lost"))
    assert sorted(i["host"] for i in await desk.incidents()) == ["a", "b", "c", "d"]
    assert not any(i["is_storm"] for i in await desk.incidents())


async def test_the_storm_window_and_threshold_are_settings(desk: Desk) -> None:
    admin = await desk.person("root", "itsm.settings.manage")
    settings = (
        await desk.client.get("/settings", headers=(await desk.person("v", "incidents.view")).headers)
    ).json()
    settings.pop("updated_at")
    assert (settings["storm_window_minutes"], settings["storm_host_threshold"]) == (5, 3)
    saved = await desk.client.put(
        "/settings",
        json={**settings, "storm_window_minutes": 30, "storm_host_threshold": 2},
        headers=admin.headers,
    )
    assert saved.status_code == 200, saved.text
    desk.at(minutes=0)
    await desk.correlate(desk.trigger("a", "ping_lost"))
    desk.at(minutes=20)
    await desk.correlate(desk.trigger("b", "ping_lost"))
    assert [i["is_storm"] for i in await desk.incidents(status="open")] == [True]
    bad = await desk.client.put(
        "/settings", json={**settings, "storm_host_threshold": 1}, headers=admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "storm_host_threshold"


async def test_concurrent_batches_for_one_key_open_exactly_one_incident(desk: Desk) -> None:
    """Two replicas' transactions at once: the key's advisory lock makes the second see the first's."""
    batches = [[desk.trigger("db-01", dedup_key="same") for _ in range(5)] for _ in range(8)]
    await asyncio.gather(*(desk.correlate(*batch) for batch in batches))
    (incident,) = await desk.incidents()
    assert incident["alert_count"] == 40


async def test_two_consumer_replicas_racing_on_one_dedup_key_open_one_incident(
    desk: Desk, jetstream: Any
) -> None:
    alerts = [desk.trigger(f"db-{n % 3}", dedup_key="shared-key") for n in range(300)]
    async with desk.correlators(replicas=2):
        await _publish(desk, alerts)
        await _until(desk, lambda rows: sum(i["alert_count"] for i in rows) == 300)
        # The same events published again (JetStream's duplicate window drops them; the inbox would).
        await _publish(desk, alerts[:50])
        await asyncio.sleep(0.5)
    (incident,) = await desk.incidents()
    assert incident["alert_count"] == 300
    assert (await desk.sql("SELECT count(*) AS n FROM alerts"))[0].n == 300


async def test_an_alert_that_is_not_valid_on_the_bus_is_dead_lettered_and_the_next_goes_on(
    desk: Desk, jetstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a mock: the real consumer on the real NATS and PostgreSQL, tried as often as ever (an unknown
    # version may be understood after an upgrade), only with a shorter backoff so the test need not wait.
    monkeypatch.setattr(alerts_consumer, "retry", RetryPolicy(backoff_base_seconds=0.05))
    client = await nats.connect(desk.servers.nats_url)
    try:
        async with desk.correlators():
            bad = desk.trigger("web-01").model_dump(mode="json")
            bad["data"]["payload"]["severity"] = "apocalyptic"
            await client.jetstream().publish("alerts.nagios", orjson.dumps(bad))
            await client.jetstream().publish("alerts.nagios", b"\x00 not json")
            await _publish(desk, [desk.trigger("web-02")])
            await _until(desk, lambda rows: len(rows) == 1)
            for _ in range(100):
                if len(await desk.sql("SELECT reason FROM dead_letters")) == 2:
                    break
                await asyncio.sleep(0.1)
    finally:
        await client.close()
    assert (await desk.incidents())[0]["host"] == "web-02"
    reasons = " ".join(row.reason for row in await desk.sql("SELECT reason FROM dead_letters"))
    assert "severity" in reasons and "not JSON" in reasons


async def _publish(desk: Desk, alerts: list[Alert]) -> None:
    """Through the outbox and the relay's publication path, as the HTTP intake sends them."""
    client = await nats.connect(desk.servers.nats_url)
    try:
        for alert in alerts:
            await client.jetstream().publish(
                alert.bus_subject(), alert.to_json(), headers={"Nats-Msg-Id": str(alert.id)}
            )
    finally:
        await client.close()


async def _until(desk: Desk, done: Any, seconds: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if done(await desk.incidents()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached in {seconds} s: {await desk.incidents()}")
