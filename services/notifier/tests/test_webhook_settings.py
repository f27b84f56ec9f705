"""The webhook settings API (issue 17, part 2; seed 10.16): the flag and the module switch, the
defaults of a new webhook, every bad URL spelling and bad body or headers refused with a 422 naming
the field, the signing secret shown once and rotated, and the test action against a real receiver,
its signature checked by the `standardwebhooks` package."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from helpdesk_common.contracts.ticketing import DepartmentData, DepartmentRemoved, DepartmentSnapshot
from helpdesk_common.secrets import SecretBox
from notifier.projections import departments_projection
from notifier.webhooks.templates import DEFAULT_BODY, SAMPLE_VALUES


def _field(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    return str(errors[0]["field"] if "field" in errors[0] else errors[0]["loc"][-1])


async def test_a_new_webhook_starts_with_the_default_body_and_headers(notifier: Any, receiver: Any) -> None:
    created = await notifier.create(url=receiver.url())
    assert created["body"] == DEFAULT_BODY
    assert created["headers"] == {"Content-Type": "application/json"}
    assert (created["method"], created["events"], created["enabled"]) == ("POST", [], True)
    assert created["failing_since"] is None and created["failing"] is False
    listed = await notifier.client.get(notifier.path(), headers=notifier.manager())
    assert [hook["id"] for hook in listed.json()] == [created["id"]]


async def test_every_endpoint_needs_the_flag_and_the_module(notifier: Any, receiver: Any) -> None:
    created = await notifier.create(url=receiver.url())
    base = notifier.path(f"/{created['id']}")
    calls = [
        ("GET", notifier.path()),
        ("POST", notifier.path()),
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("POST", f"{base}/test"),
        ("GET", f"{base}/deliveries"),
        ("POST", f"{base}/deliveries/{uuid.uuid4()}/redeliver"),
    ]
    without_flag = notifier.manager("tickets_enabled", "tickets_manage_departments")
    for method, path in calls:
        answer = await notifier.client.request(method, path, headers=without_flag, json={})
        assert answer.status_code == 403 and answer.json()["flag"] == "tickets_manage_webhooks", (
            method,
            path,
        )
    await notifier.switch_module(False)
    answer = await notifier.client.get(notifier.path(), headers=notifier.manager())
    assert answer.status_code == 403 and answer.json()["reason"] == "module_disabled"


async def test_a_department_ticketing_never_announced_has_no_webhooks(notifier: Any) -> None:
    answer = await notifier.client.get(notifier.path(department_id=uuid.uuid4()), headers=notifier.manager())
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://10.0.0.1/hook", "private"),
        ("http://0x7f.0.0.2/hook", "loopback"),
        ("http://2130706434/", "loopback"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://0251.0376.0251.0376/", "link-local"),
        ("ftp://hooks.example.com/", "http"),
        ("hooks.example.com/x", "http"),
        ("http:///path", "host"),
        ("https://user:pw@hooks.example.com/", "Credentials"),
        ("https://hooks.example.com:99999/", "URL"),
        ("https://hooks.example.com/a b", "spaces"),
    ],
)
async def test_a_url_that_is_not_allowed_is_refused_naming_the_url(
    notifier: Any, url: str, words: str
) -> None:
    answer = await notifier.client.post(
        notifier.path(), json={"name": "Hook", "url": url}, headers=notifier.manager()
    )
    assert _field(answer) == "url" and words in answer.json()["detail"], answer.json()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"body": '{"subject": {{subject}}}'}, "body", "Not JSON once the placeholders"),
        ({"body": '{"subject": "{{subject}}",}'}, "body", "Not JSON"),
        ({"body": '{"who": "{{requester}}"}'}, "body", "Unknown placeholder {{requester}}"),
        ({"headers": '{"X-Token": '}, "headers", "Not JSON"),
        ({"headers": '["X-Token"]'}, "headers", "dict"),
        ({"headers": {"X-Token": 5}}, "headers.X-Token", "string"),
        ({"headers": {"Bad Header": "x"}}, "headers", "not a header name"),
        ({"headers": {"X-Token": "a\r\nX-Other: b"}}, "headers", "line breaks"),
        ({"headers": {"webhook-signature": "v1,forged"}}, "headers", "set by the sender"),
        ({"events": ["ticket_deleted"]}, "events.0", "ticket_created"),
        ({"method": "TRACE"}, "method", "GET"),
    ],
)
async def test_a_body_headers_or_events_that_do_not_parse_are_refused_saying_which(
    notifier: Any, receiver: Any, body: dict[str, Any], field: str, words: str
) -> None:
    answer = await notifier.client.post(
        notifier.path(), json={"name": "Hook", "url": receiver.url(), **body}, headers=notifier.manager()
    )
    assert _field(answer) == field and words in answer.text, answer.json()


async def test_headers_may_come_as_the_editor_s_json_text(notifier: Any, receiver: Any) -> None:
    created = await notifier.create(url=receiver.url(), headers='{"X-Token": "abc"}')
    assert created["headers"] == {"X-Token": "abc"}


async def test_the_secret_is_shown_once_sealed_at_rest_and_rotated(notifier: Any, receiver: Any) -> None:
    created = await notifier.create(url=receiver.url())
    secret = created["secret"]
    assert secret.startswith("whsec_")
    read = await notifier.client.get(notifier.path(f"/{created['id']}"), headers=notifier.manager())
    listed = await notifier.client.get(notifier.path(), headers=notifier.manager())
    changed = await notifier.client.patch(
        notifier.path(f"/{created['id']}"), json={"enabled": False}, headers=notifier.manager()
    )
    for answer in (read, listed, changed):
        assert answer.status_code == 200 and secret not in answer.text and "secret" not in answer.text
    [row] = await notifier.sql("SELECT secret_sealed FROM webhooks")
    assert secret.encode() not in bytes(row.secret_sealed)
    assert SecretBox(notifier.settings.secret_key).open(bytes(row.secret_sealed)) == secret

    rotated = await notifier.client.post(
        notifier.path(f"/{created['id']}/rotate-secret"), headers=notifier.manager()
    )
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    [row] = await notifier.sql("SELECT secret_sealed FROM webhooks")
    assert SecretBox(notifier.settings.secret_key).open(bytes(row.secret_sealed)) == new_secret


async def test_a_change_is_validated_as_a_creation_is_and_null_is_refused(
    notifier: Any, receiver: Any
) -> None:
    created = await notifier.create(url=receiver.url())
    path = notifier.path(f"/{created['id']}")
    bad_url = await notifier.client.patch(
        path, json={"url": "http://192.168.0.10/"}, headers=notifier.manager()
    )
    assert _field(bad_url) == "url"
    null = await notifier.client.patch(path, json={"name": None}, headers=notifier.manager())
    assert _field(null) == "name"
    changed = await notifier.client.patch(
        path,
        json={"name": "Renamed", "method": "PUT", "events": ["ticket_closed", "ticket_closed"]},
        headers=notifier.manager(),
    )
    assert (changed.json()["name"], changed.json()["method"], changed.json()["events"]) == (
        "Renamed",
        "PUT",
        ["ticket_closed"],
    )
    assert (await notifier.client.delete(path, headers=notifier.manager())).status_code == 204
    assert (await notifier.client.get(path, headers=notifier.manager())).status_code == 404


async def test_the_test_action_sends_one_signed_request_with_sample_values(
    notifier: Any, receiver: Any
) -> None:
    created = await notifier.create(url=receiver.url(), headers={"X-Token": "abc"})
    receiver.answer("/hook", 202, text="accepted " + "x" * 5000)
    answer = await notifier.client.post(notifier.path(f"/{created['id']}/test"), headers=notifier.manager())
    result = answer.json()
    assert (result["ok"], result["status"], result["error"]) == (True, 202, None), result
    assert result["answer"].startswith("accepted") and len(result["answer"]) == 2048
    assert result["milliseconds"] >= 0
    [request] = receiver.received
    assert json.loads(request.body) == SAMPLE_VALUES
    assert request.headers["X-Token"] == "abc"
    assert Webhook(created["secret"]).verify(request.body, request.headers) is not None
    async with notifier.app.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM webhook_deliveries"))).scalar_one() == 0


async def test_the_test_action_reports_why_nothing_answered(notifier: Any, receiver: Any) -> None:
    created = await notifier.create(url="http://127.0.0.1:1/nothing-listens")
    result = (
        await notifier.client.post(notifier.path(f"/{created['id']}/test"), headers=notifier.manager())
    ).json()
    assert result["ok"] is False and result["status"] is None and "Could not connect" in result["error"]


async def test_a_removed_department_takes_its_webhooks_along(notifier: Any, receiver: Any) -> None:
    await notifier.create(url=receiver.url())
    event = DepartmentRemoved.build(
        source="ticketing",
        subject=str(notifier.department_id),
        data=DepartmentData(
            department=DepartmentSnapshot(id=notifier.department_id, name="Gone", enabled=False)
        ),
    )
    async with notifier.app.sessions() as session, session.begin():
        await departments_projection.removed(session, event)
    assert await notifier.sql("SELECT id FROM webhooks") == []
    answer = await notifier.client.get(notifier.path(), headers=notifier.manager())
    assert answer.status_code == 404
