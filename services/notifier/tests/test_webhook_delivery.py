"""Webhook delivery (issue 17, part 3) on the real bus and database with a real receiver on loopback
(admitted by the test allow-list): ticket events in, one signed delivery per matching webhook, its
placeholders escaped, every attempt logged; retries with backoff and Retry-After on a shortened
schedule, 4xx failing at once, manual redelivery under the same id, the failing flag."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from helpdesk_common.contracts.tickets import SlaTimerData, SlaWarning, TicketClosed
from notifier.deliveries.service import prune

HOSTILE = 'Drucker "brennt"\nzweite Zeile\t\\ — 火事 😀 </script>'


async def test_a_ticket_event_arrives_signed_with_its_placeholders_escaped(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    workers.start()
    event = new_ticket_created(
        notifier.department_id, title=HOSTILE, customer_id=uuid.uuid4(), customer_name='Acme "Rockets"'
    )
    await workers.publish(event)
    [delivery] = await workers.settled(created["id"], "delivered")
    [request] = receiver.received
    assert json.loads(request.body) == {
        "event": "ticket_created",
        "ticket_number": "TKT-1042",
        "subject": HOSTILE,
        "status": "open",
        "priority": "high",
        "assigned_to": "ada",
        "customer": 'Acme "Rockets"',
        "department": 'Support "EU"',
        "timestamp": event.time.isoformat(),
        "url": "https://desk.example.com/tickets/TKT-1042",
    }
    assert Webhook(created["secret"]).verify(request.body, request.headers) is not None
    assert request.headers["webhook-id"] == delivery["id"]
    [attempt] = delivery["attempt_log"]
    assert attempt["status"] == 200 and attempt["answer"] == "ok"
    assert attempt["request"]["body"] == request.body.decode()
    assert attempt["request"]["headers"]["webhook-signature"] == request.headers["webhook-signature"]


async def test_event_filters_and_disabled_webhooks_choose_who_is_called(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    every = await notifier.create(url=receiver.url("/every"))
    closed_only = await notifier.create(url=receiver.url("/closed"), events=["ticket_closed"])
    await notifier.create(url=receiver.url("/disabled"), enabled=False)
    elsewhere = await notifier.department_known("Sales")
    answer = await notifier.client.post(
        notifier.path(department_id=elsewhere),
        json={"name": "Sales", "url": receiver.url("/sales")},
        headers=notifier.manager(),
    )
    assert answer.status_code == 201
    workers.start()
    created = new_ticket_created(notifier.department_id)
    closed = TicketClosed.build(source="ticketing", subject="t", data=created.data)
    await workers.publish(created)
    await workers.publish(closed)
    await workers.settled(every["id"], "delivered", count=2)
    await workers.settled(closed_only["id"], "delivered")
    assert sorted(json.loads(r.body)["event"] for r in receiver.at("/every")) == [
        "ticket_closed",
        "ticket_created",
    ]
    assert [json.loads(r.body)["event"] for r in receiver.at("/closed")] == ["ticket_closed"]
    assert receiver.at("/disabled") == [] and receiver.at("/sales") == []


async def test_a_disabled_webhooks_pending_delivery_waits_and_goes_once_it_is_enabled_again(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    receiver.answer("/hook", 503)
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    await workers.settled(created["id"], "retrying")

    async def enabled(value: bool) -> None:
        path = notifier.path(f"/{created['id']}")
        answer = await notifier.client.patch(path, json={"enabled": value}, headers=notifier.manager())
        assert answer.status_code == 200, answer.text

    await enabled(False)
    # Well past the shortened retry: nothing more is sent while the webhook is disabled.
    await asyncio.sleep(2.0)
    assert len(receiver.received) == 1
    assert [d["state"] for d in await workers.deliveries(created["id"])] == ["retrying"]
    await enabled(True)
    [delivery] = await workers.settled(created["id"], "delivered")
    assert [attempt["status"] for attempt in delivery["attempt_log"]] == [503, 200]


async def test_an_event_delivered_again_by_the_bus_is_one_delivery(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    workers.start(count=2)
    event = new_ticket_created(notifier.department_id)
    await workers.publish(event)
    await workers.settled(created["id"], "delivered")
    # Past JetStream's duplicate window (another Nats-Msg-Id): the inbox and the unique delivery
    # per webhook and event are what stop it.
    await workers.publish(event, msg_id=f"again-{uuid.uuid4()}")
    warning = SlaWarning.build(
        source="sla-engine",
        subject="t",
        data=SlaTimerData(
            ticket=event.data.ticket, sla_id=uuid.uuid4(), deadline="response", due_at=datetime.now(UTC)
        ),
    )
    await workers.publish(warning)
    await workers.settled(created["id"], "delivered", count=2)
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert [json.loads(r.body)["event"] for r in receiver.received] == ["ticket_created", "sla_warning"]


async def test_429_and_5xx_are_retried_with_backoff_honouring_retry_after(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    receiver.answer("/hook", 503, times=2)
    receiver.answer("/hook", 429, headers={"Retry-After": "1"})
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    [delivery] = await workers.settled(created["id"], "delivered", within=30)
    assert [attempt["status"] for attempt in delivery["attempt_log"]] == [503, 503, 429, 200]
    times = [request.at for request in receiver.received]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # The first retry after about 0.2 s, the second about 0.4 s (a quarter of jitter either way),
    # then the receiver's own second; the upper bounds leave room for the poll and a busy machine.
    assert 0.15 <= gaps[0] <= 0.9 and 0.3 <= gaps[1] <= 1.2, gaps
    assert 0.95 <= gaps[2] <= 2.0, gaps
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1


async def test_a_4xx_fails_at_once_and_a_redelivery_sends_it_again_under_the_same_id(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    receiver.answer("/hook", 410, text="gone")
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    [delivery] = await workers.settled(created["id"], "failed")
    assert (delivery["attempts"], delivery["last_status"], delivery["last_error"]) == (1, 410, "answered 410")
    read = await notifier.client.get(notifier.path(f"/{created['id']}"), headers=notifier.manager())
    assert read.json()["failing_since"] is not None and read.json()["failing"] is False

    answer = await notifier.client.post(
        notifier.path(f"/{created['id']}/deliveries/{delivery['id']}/redeliver"), headers=notifier.manager()
    )
    assert answer.status_code == 202 and answer.json()["state"] == "queued"
    [delivery] = await workers.settled(created["id"], "delivered")
    assert [attempt["status"] for attempt in delivery["attempt_log"]] == [410, 200]
    assert [request.headers["webhook-id"] for request in receiver.received] == [delivery["id"]] * 2
    read = await notifier.client.get(notifier.path(f"/{created['id']}"), headers=notifier.manager())
    assert read.json()["failing_since"] is None


async def test_retries_end_in_failed_and_a_webhook_failing_for_a_day_is_flagged(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    receiver.answer("/hook", 500, times=100)
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    [delivery] = await workers.settled(created["id"], "failed", within=30)
    assert (
        delivery["attempts"] >= 3
        and delivery["last_error"] == f"gave up after {delivery['attempts']} attempts: answered 500"
    )
    await notifier.sql(
        "UPDATE webhooks SET failing_since = :at", at=datetime.now(UTC) - timedelta(days=1, minutes=1)
    )
    read = await notifier.client.get(notifier.path(f"/{created['id']}"), headers=notifier.manager())
    assert read.json()["failing"] is True


async def test_a_network_error_is_retried_until_the_receiver_answers(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    # A receiver that does not answer within the timeout, then answers.
    receiver.answer("/hook", 200, hold=asyncio.Event())
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    [delivery] = await workers.settled(created["id"], "delivered", within=30)
    first, second = delivery["attempt_log"]
    assert first["status"] is None and "No answer within" in first["error"]
    assert second["status"] == 200


async def test_the_log_is_newest_first_and_paged(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    workers.start()
    for number in range(3):
        await workers.publish(new_ticket_created(notifier.department_id, number=f"TKT-{number}"))
        await workers.settled(created["id"], "delivered", count=number + 1)
    path = notifier.path(f"/{created['id']}/deliveries")
    first = (await notifier.client.get(path, params={"limit": 2}, headers=notifier.manager())).json()
    rest = (
        await notifier.client.get(
            path, params={"limit": 2, "before": first[-1]["id"]}, headers=notifier.manager()
        )
    ).json()
    numbers = [
        json.loads(delivery["attempt_log"][0]["request"]["body"])["ticket_number"]
        for delivery in first + rest
    ]
    assert numbers == ["TKT-2", "TKT-1", "TKT-0"]


async def test_the_log_keeps_settled_deliveries_for_its_retention_only(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    workers.start()
    await workers.publish(new_ticket_created(notifier.department_id))
    await workers.publish(new_ticket_created(notifier.department_id, number="TKT-2"))
    first, second = await workers.settled(created["id"], "delivered", count=2)
    await notifier.sql(
        "UPDATE webhook_deliveries SET updated_at = now() - interval '31 days' WHERE id = :id",
        id=second["id"],
    )
    async with notifier.app.sessions() as session, session.begin():
        assert await prune(session, older_than_days=30) == 1
    assert [delivery["id"] for delivery in await workers.deliveries(created["id"])] == [first["id"]]
    assert len(await notifier.sql("SELECT id FROM webhook_attempts")) == 1


async def test_a_worker_sends_nothing_to_an_address_its_allow_list_does_not_admit(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any
) -> None:
    # A host name passes at save time; the worker's guard sees what it resolves to (loopback).
    created = await notifier.create(url=f"http://localhost:{receiver.port}/hook")
    workers.start(settings=notifier.settings.model_copy(update={"webhook_allowed_networks": ""}))
    await workers.publish(new_ticket_created(notifier.department_id))
    [delivery] = await workers.settled(created["id"], "failed")
    assert (
        delivery["attempts"] == 1
        and "Not sent" in delivery["last_error"]
        and "loopback" in delivery["last_error"]
    )
    assert receiver.received == []
