"""Alerts over HTTP (docs/alerts.md): an alert source's integration key instead of an operator, the
alert written to the outbox on `alerts.<source>`, bad input answered 422 without echoing the key,
revoked keys and disabled sources refused, and each source held to its own rate."""

from __future__ import annotations

from typing import Any

from helpdesk_common.contracts.alerts import Alert

Desk = Any
ADMIN = "itsm.settings.manage"


async def make_source(desk: Desk, name: str = "nagios", **fields: Any) -> dict[str, Any]:
    admin = await desk.person("root", ADMIN)
    answer = await desk.client.post("/alert-sources", json={"name": name, **fields}, headers=admin.headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def trigger(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "web-01/cpu",
        "payload": {
            "summary": "CPU at 99%",
            "source": "web-01",
            "severity": "critical",
            "rule": "cpu",
            "class": "cpu",
        },
        **fields,
    }


async def test_an_alert_with_its_sources_key_is_accepted_into_the_outbox_on_the_sources_subject(
    desk: Desk,
) -> None:
    source = await make_source(desk, description="Nagios in DC1")
    key = source["new_key"]["key"]
    assert key.startswith("hdk_") and source["keys"][0]["hint"] == key[-4:]

    answer = await desk.client.post("/alerts", json=trigger(key))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "success", "message": "Event accepted", "dedup_key": "web-01/cpu"}
    (event,) = await desk.published("alert")
    assert event["bus_subject"] == "alerts.nagios" and event["source"] == "nagios"
    assert event["data"]["payload"]["class"] == "cpu"
    assert "routing_key" not in event["data"] and key not in str(event)
    Alert.model_validate({k: v for k, v in event.items() if k != "bus_subject"})

    without_key = {k: v for k, v in trigger(key).items() if k != "dedup_key"}
    derived = await desk.client.post("/alerts", json=without_key)
    assert derived.json()["dedup_key"] == "host:web-01|rule:cpu"
    listed = (
        await desk.client.get("/alert-sources", headers=(await desk.person("root", ADMIN)).headers)
    ).json()
    assert listed[0]["last_alert_at"] and listed[0]["keys"][0]["last_used_at"]
    assert key not in str(listed)
    stored = await desk.sql(
        "SELECT count(*) AS n FROM integration_keys WHERE position(:key in encode(key_hash, 'escape')) > 0",
        key=key,
    )
    assert stored[0].n == 0


async def test_an_unknown_revoked_or_disabled_key_is_refused_without_echoing_it(desk: Desk) -> None:
    source = await make_source(desk)
    admin = await desk.person("root", ADMIN)
    key = source["new_key"]["key"]
    unknown = await desk.client.post("/alerts", json=trigger("hdk_not-a-key"))
    assert unknown.status_code == 401 and "hdk_not-a-key" not in unknown.text

    disabled = await desk.client.patch(
        f"/alert-sources/{source['id']}", json={"enabled": False}, headers=admin.headers
    )
    assert disabled.json()["enabled"] is False
    assert (await desk.client.post("/alerts", json=trigger(key))).status_code == 401
    await desk.client.patch(f"/alert-sources/{source['id']}", json={"enabled": True}, headers=admin.headers)
    assert (await desk.client.post("/alerts", json=trigger(key))).status_code == 202

    second = (await desk.client.post(f"/alert-sources/{source['id']}/keys", headers=admin.headers)).json()
    revoked = await desk.client.delete(
        f"/alert-sources/{source['id']}/keys/{source['keys'][0]['id']}", headers=admin.headers
    )
    assert revoked.json()["revoked_at"]
    assert (await desk.client.post("/alerts", json=trigger(key))).status_code == 401
    assert (await desk.client.post("/alerts", json=trigger(second["key"]))).status_code == 202
    assert len(await desk.published("alert")) == 2


async def test_an_alert_that_fails_validation_is_a_422_per_field_and_never_echoes_the_key(desk: Desk) -> None:
    key = (await make_source(desk))["new_key"]["key"]
    cases: list[tuple[dict[str, Any], str]] = [
        (trigger(key, event_action="explode"), "event_action"),
        (trigger(key, dedup_key="x" * 256), "dedup_key"),
        (trigger(key, payload={"summary": "x", "source": "h", "severity": "fatal"}), "payload.severity"),
        (trigger(key, payload={"summary": "", "source": "h", "severity": "info"}), "payload.summary"),
        (trigger(key, payload={"summary": "nul\x00", "source": "h", "severity": "info"}), "payload.summary"),
        ({"routing_key": key, "event_action": "trigger"}, ""),
        ({"routing_key": key, "event_action": "resolve"}, ""),
        (trigger(key, extra="field"), "extra"),
        (
            trigger(
                key,
                payload={
                    "summary": "x",
                    "source": "h",
                    "severity": "info",
                    "custom_details": {"a": "b" * 20000},
                },
            ),
            "payload.custom_details",
        ),
    ]
    for body, field in cases:
        answer = await desk.client.post("/alerts", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert key not in answer.text
        if field:
            assert field in [error["field"] for error in answer.json()["errors"]], answer.text
    for raw in (b"{not json", b"[]", b'"string"'):
        answer = await desk.client.post("/alerts", content=raw, headers={"content-type": "application/json"})
        assert answer.status_code == 422
    assert await desk.published("alert") == []


async def test_a_source_over_its_rate_gets_429_with_retry_after_while_another_goes_on(desk: Desk) -> None:
    noisy = (await make_source(desk, "noisy", rate_per_minute=3))["new_key"]["key"]
    quiet = (await make_source(desk, "quiet"))["new_key"]["key"]
    answers = [await desk.client.post("/alerts", json=trigger(noisy)) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [202, 202, 202, 429, 429]
    assert int(answers[3].headers["retry-after"]) >= 1
    assert answers[3].json()["type"] == "urn:helpdesk:problem:too-many-alerts"
    assert (await desk.client.post("/alerts", json=trigger(quiet))).status_code == 202
    subjects = [event["bus_subject"] for event in await desk.published("alert")]
    assert subjects == ["alerts.noisy"] * 3 + ["alerts.quiet"]


async def test_sources_are_administered_with_the_settings_flag_only(desk: Desk) -> None:
    manager = await desk.person("ada", "incidents.manage")
    assert (
        await desk.client.post("/alert-sources", json={"name": "x"}, headers=manager.headers)
    ).status_code == 403
    await make_source(desk, "zabbix")
    admin = await desk.person("root", ADMIN)
    again = await desk.client.post("/alert-sources", json={"name": "zabbix"}, headers=admin.headers)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"
    bad_name = await desk.client.post("/alert-sources", json={"name": "Has Spaces"}, headers=admin.headers)
    assert bad_name.status_code == 422 and bad_name.json()["errors"][0]["field"] == "name"
