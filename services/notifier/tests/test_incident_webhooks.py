"""The ITSM account's webhooks (issue 20, part 8) on the real bus and database with a real receiver on
loopback: the settings API behind incidents.manage with the incident events and placeholders, kept
apart from the departments' webhooks; incident events published on JetStream become one signed
delivery per matching ITSM webhook with the incident's values, never twice for a redelivered event,
and nothing for an event the webhook did not choose."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from helpdesk_common.contracts.itsm import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentResolved,
)
from notifier.webhooks.templates import INCIDENT_DEFAULT_BODY, INCIDENT_SAMPLE_VALUES

INCIDENTS = "incidents.manage"
HOSTILE = 'Platte "voll"\nzweite Zeile\t\\ — 火事 😀 </script>'
EVERY_PLACEHOLDER = "{" + ", ".join(f'"{name}": "{{{{{name}}}}}"' for name in INCIDENT_SAMPLE_VALUES) + "}"


def itsm(notifier: Any) -> dict[str, str]:
    return dict(notifier.manager(INCIDENTS))


async def create(notifier: Any, **body: Any) -> dict[str, Any]:
    answer = await notifier.client.post(
        "/itsm/webhooks", json={"name": "Pager", **body}, headers=itsm(notifier)
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def eventually(check: Any, *, within: float = 20.0, what: str = "") -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await check()
        if answer:
            return answer
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.05)


def _field(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    return str(answer.json()["errors"][0]["field"])


# The settings API


async def test_a_new_itsm_webhook_starts_with_the_incident_body_and_is_kept_apart_from_departments(
    notifier: Any, receiver: Any
) -> None:
    created = await create(notifier, url=receiver.url())
    assert created["body"] == INCIDENT_DEFAULT_BODY and created["events"] == []
    assert created["secret"].startswith("whsec_") and "department_id" not in created
    listed = await notifier.client.get("/itsm/webhooks", headers=itsm(notifier))
    assert [hook["id"] for hook in listed.json()] == [created["id"]]
    # Neither list shows the other's webhooks, nor reads, changes or deletes them.
    department_hook = await notifier.create(url=receiver.url())
    departments = await notifier.client.get(notifier.path(), headers=notifier.manager())
    assert [hook["id"] for hook in departments.json()] == [department_hook["id"]]
    listed = await notifier.client.get("/itsm/webhooks", headers=itsm(notifier))
    assert [hook["id"] for hook in listed.json()] == [created["id"]]
    for method, path, headers in [
        ("GET", notifier.path(f"/{created['id']}"), notifier.manager()),
        ("DELETE", notifier.path(f"/{created['id']}"), notifier.manager()),
        ("GET", f"/itsm/webhooks/{department_hook['id']}", itsm(notifier)),
        ("DELETE", f"/itsm/webhooks/{department_hook['id']}", itsm(notifier)),
        ("GET", f"/itsm/webhooks/{department_hook['id']}/deliveries", itsm(notifier)),
    ]:
        answer = await notifier.client.request(method, path, headers=headers)
        assert answer.status_code == 404, (method, path, answer.text)
    assert len(await notifier.sql("SELECT id FROM webhooks")) == 2


async def test_every_itsm_endpoint_needs_incidents_manage_and_not_the_ticket_system(
    notifier: Any, receiver: Any
) -> None:
    created = await create(notifier, url=receiver.url())
    base = f"/itsm/webhooks/{created['id']}"
    calls = [
        ("GET", "/itsm/webhooks"),
        ("POST", "/itsm/webhooks"),
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("POST", f"{base}/test"),
        ("GET", f"{base}/deliveries"),
        ("POST", f"{base}/deliveries/{uuid.uuid4()}/redeliver"),
    ]
    ticket_manager = notifier.manager("tickets_enabled", "tickets_manage_webhooks")
    for method, path in calls:
        answer = await notifier.client.request(method, path, headers=ticket_manager, json={})
        assert answer.status_code == 403 and answer.json()["flag"] == INCIDENTS, (method, path)
    # The Ticket System's switch gates the departments' webhooks only.
    await notifier.switch_module(False)
    answer = await notifier.client.get("/itsm/webhooks", headers=itsm(notifier))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"body": '{"subject": "{{subject}}"}'}, "body", "Unknown placeholder {{subject}}"),
        ({"body": '{"title": {{title}}}'}, "body", "Not JSON once the placeholders"),
        ({"events": ["ticket_created"]}, "events.0", "incident_created"),
        ({"url": "http://10.0.0.1/hook"}, "url", "private"),
        ({"headers": {"webhook-id": "x"}}, "headers", "set by the sender"),
    ],
)
async def test_an_itsm_webhook_is_checked_as_a_department_s_with_the_incident_words(
    notifier: Any, receiver: Any, body: dict[str, Any], field: str, words: str
) -> None:
    answer = await notifier.client.post(
        "/itsm/webhooks", json={"name": "Pager", "url": receiver.url(), **body}, headers=itsm(notifier)
    )
    assert _field(answer) == field and words in answer.text, answer.json()
    created = await create(notifier, url=receiver.url())
    answer = await notifier.client.patch(f"/itsm/webhooks/{created['id']}", json=body, headers=itsm(notifier))
    assert _field(answer) == field and words in answer.text, answer.json()


async def test_an_itsm_webhook_is_changed_rotated_tested_and_deleted(notifier: Any, receiver: Any) -> None:
    created = await create(notifier, url=receiver.url(), body=EVERY_PLACEHOLDER)
    path = f"/itsm/webhooks/{created['id']}"
    changed = await notifier.client.patch(
        path,
        json={"events": ["incident_resolved", "incident_resolved"], "name": "Resolved"},
        headers=itsm(notifier),
    )
    assert (changed.json()["events"], changed.json()["name"]) == (["incident_resolved"], "Resolved")
    rotated = (await notifier.client.post(f"{path}/rotate-secret", headers=itsm(notifier))).json()["secret"]
    assert rotated != created["secret"]
    result = (await notifier.client.post(f"{path}/test", headers=itsm(notifier))).json()
    assert (result["ok"], result["status"]) == (True, 200), result
    [request] = receiver.received
    assert json.loads(request.body) == INCIDENT_SAMPLE_VALUES
    assert Webhook(rotated).verify(request.body, request.headers) is not None
    assert (await notifier.client.delete(path, headers=itsm(notifier))).status_code == 204
    assert (await notifier.client.get(path, headers=itsm(notifier))).status_code == 404


# Deliveries


async def test_an_incident_event_arrives_signed_with_the_incident_s_values_escaped(
    notifier: Any, receiver: Any, workers: Any, new_incident_event: Any
) -> None:
    created = await create(notifier, url=receiver.url(), body=EVERY_PLACEHOLDER)
    workers.start()
    group = uuid.uuid4()
    event = new_incident_event(
        IncidentResolved,
        title=HOSTILE,
        status="resolved",
        priority="P2",
        escalation_level=1,
        assignment_group_id=group,
        resolution_code="workaround",
        note="Rotated the logs.",
    )
    await workers.publish(event)
    [delivery] = await workers.settled(created["id"], "delivered", itsm=True)
    [request] = receiver.received
    assert json.loads(request.body) == {
        "incident_number": "INC-1042",
        "title": HOSTILE,
        "status": "resolved",
        "priority": "P2",
        "severity": "critical",
        "impact": "high",
        "urgency": "high",
        "host": "db-01.example.com",
        "source": "prometheus",
        "rule": "DiskFull",
        "assigned_to": "ada",
        "assignment_group_id": str(group),
        "escalation_level": "1",
        "resolution_code": "workaround",
        "note": "Rotated the logs.",
        "event": "incident_resolved",
        "timestamp": event.time.isoformat(),
        "url": f"https://desk.example.com/incidents/{event.data.incident.id}",
    }
    assert Webhook(created["secret"]).verify(request.body, request.headers) is not None
    assert request.headers["webhook-id"] == delivery["id"]
    assert delivery["incident_id"] == str(event.data.incident.id) and delivery["ticket_id"] is None
    assert delivery["event_type"] == "incident_resolved"


async def test_only_the_chosen_incident_events_reach_itsm_webhooks_and_none_reach_departments(
    notifier: Any, receiver: Any, workers: Any, new_incident_event: Any, new_ticket_created: Any
) -> None:
    every = await create(notifier, url=receiver.url("/every"))
    resolved_only = await create(notifier, url=receiver.url("/resolved"), events=["incident_resolved"])
    await create(notifier, url=receiver.url("/disabled"), enabled=False)
    department_hook = await notifier.create(url=receiver.url("/department"))
    workers.start()
    created = new_incident_event()
    for event in (
        created,
        new_incident_event(IncidentAcknowledged, id=created.data.incident.id, status="acknowledged"),
        new_incident_event(IncidentResolved, id=created.data.incident.id, status="resolved"),
    ):
        await workers.publish(event)
    # A ticket event in between reaches the department's webhook and no ITSM one.
    await workers.publish(new_ticket_created(notifier.department_id))
    await workers.settled(every["id"], "delivered", count=3, itsm=True)
    await workers.settled(resolved_only["id"], "delivered", itsm=True)
    await workers.settled(department_hook["id"], "delivered")
    assert sorted(json.loads(r.body)["event"] for r in receiver.at("/every")) == [
        "incident_acknowledged",
        "incident_created",
        "incident_resolved",
    ]
    assert [json.loads(r.body)["event"] for r in receiver.at("/resolved")] == ["incident_resolved"]
    assert [json.loads(r.body)["event"] for r in receiver.at("/department")] == ["ticket_created"]
    assert receiver.at("/disabled") == []


async def test_a_redelivered_incident_event_is_one_delivery_and_can_be_redelivered_by_hand(
    notifier: Any, receiver: Any, workers: Any, new_incident_event: Any
) -> None:
    created = await create(notifier, url=receiver.url())
    workers.start(count=2)
    event = new_incident_event(IncidentAssigned, changes={"assignee_id": (None, str(uuid.uuid4()))})
    await workers.publish(event)
    [first] = await workers.settled(created["id"], "delivered", itsm=True)
    # Past JetStream's duplicate window (another Nats-Msg-Id): the inbox and the unique delivery per
    # webhook and event are what stop it.
    await workers.publish(event, msg_id=f"again-{uuid.uuid4()}")
    marker = new_incident_event(IncidentResolved, status="resolved")
    await workers.publish(marker)
    deliveries = await workers.settled(created["id"], "delivered", count=2, itsm=True)
    assert len(deliveries) == 2 and len(receiver.received) == 2
    assert [json.loads(r.body)["event"] for r in receiver.received] == [
        "incident_assigned",
        "incident_resolved",
    ]

    again = await notifier.client.post(
        f"/itsm/webhooks/{created['id']}/deliveries/{first['id']}/redeliver", headers=itsm(notifier)
    )
    assert again.status_code == 202, again.text
    await workers.settled(created["id"], "delivered", count=2, itsm=True)

    async def three() -> bool:
        return len(receiver.received) == 3

    await eventually(three, what="the redelivery sent")
    assert (
        receiver.received[2].headers["webhook-id"]
        == first["id"]
        == receiver.received[0].headers["webhook-id"]
    )
