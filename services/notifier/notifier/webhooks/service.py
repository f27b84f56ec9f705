"""The rules of webhooks, a department's or the ITSM account's (scopes.py): a department's only for a
department ticketing has told us of, the URL checked against the address guard when saved, the
signing secret sealed before it reaches the table and shown only when it is made (creation,
rotation). Functions answer rows; the routes shape them (`webhook_out`, `itsm_webhook_out`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.secrets import SecretBox
from notifier.config import NotifierSettings
from notifier.projections import departments_projection
from notifier.tables import webhooks
from notifier.webhooks.addresses import AddressPolicy, url_refusal
from notifier.webhooks.outgoing import build, deliver
from notifier.webhooks.requests import open_session
from notifier.webhooks.schemas import (
    ItsmWebhookIn,
    ItsmWebhookOut,
    ItsmWebhookPatch,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookTestResult,
)
from notifier.webhooks.scopes import WebhookScope
from notifier.webhooks.signing import new_secret

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class WebhookUnknown(NotFound):
    pass


@dataclass(frozen=True)
class Created:
    webhook: Row[Any]
    # Shown in the creation's answer and never again.
    secret: str


def policy(settings: NotifierSettings) -> AddressPolicy:
    return AddressPolicy.from_setting(settings.allowed_networks())


def check_url(url: str, address_policy: AddressPolicy) -> None:
    """422 naming `url` for anything but an http(s) URL with a host the guard admits."""
    if _SPACE_OR_CONTROL.search(url):
        raise ValidationFailed("url", "A URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise ValidationFailed("url", f"Not a URL: {error}.") from error
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed("url", "A webhook URL starts with http:// or https://.")
    if not parts.hostname:
        raise ValidationFailed("url", "A webhook URL names a host.")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("url", "Credentials belong in the headers, not in the URL.")
    refusal = url_refusal(url, address_policy)
    if refusal is not None:
        raise ValidationFailed("url", f"{refusal}: not allowed for webhooks.")


async def _scope_known(session: AsyncSession, scope: WebhookScope) -> None:
    """A department's webhooks need a department ticketing announced (404 otherwise)."""
    if scope.department_id is not None:
        await departments_projection.ensure_known(session, scope.department_id)


async def list_webhooks(session: AsyncSession, scope: WebhookScope) -> list[Row[Any]]:
    await _scope_known(session, scope)
    query = select(webhooks).where(scope.owns()).order_by(webhooks.c.name, webhooks.c.id)
    return list(await session.execute(query))


async def stored(session: AsyncSession, scope: WebhookScope, webhook_id: uuid.UUID) -> Row[Any]:
    await _scope_known(session, scope)
    row = (await session.execute(select(webhooks).where(webhooks.c.id == webhook_id, scope.owns()))).first()
    if row is None:
        owner = "The department" if scope.department_id is not None else "ITSM"
        raise WebhookUnknown(f"{owner} has no webhook {webhook_id}.")
    return row


async def create(
    session: AsyncSession,
    *,
    scope: WebhookScope,
    data: WebhookIn | ItsmWebhookIn,
    box: SecretBox,
    settings: NotifierSettings,
) -> Created:
    await _scope_known(session, scope)
    check_url(data.url, policy(settings))
    secret = new_secret()
    row = (
        await session.execute(
            webhooks.insert()
            .values(
                id=uuid.uuid4(),
                scope=scope.name,
                department_id=scope.department_id,
                secret_sealed=box.seal(secret),
                **data.model_dump(),
            )
            .returning(*webhooks.c)
        )
    ).one()
    return Created(row, secret)


async def change(
    session: AsyncSession,
    *,
    scope: WebhookScope,
    webhook_id: uuid.UUID,
    data: WebhookPatch | ItsmWebhookPatch,
    settings: NotifierSettings,
) -> Row[Any]:
    await stored(session, scope, webhook_id)
    values = data.model_dump(exclude_none=True)
    if "url" in values:
        check_url(values["url"], policy(settings))
    return (
        await session.execute(
            update(webhooks)
            .where(webhooks.c.id == webhook_id)
            .values(**values, updated_at=func.now())
            .returning(*webhooks.c)
        )
    ).one()


async def remove(session: AsyncSession, scope: WebhookScope, webhook_id: uuid.UUID) -> None:
    await stored(session, scope, webhook_id)
    await session.execute(delete(webhooks).where(webhooks.c.id == webhook_id))


async def rotate_secret(
    session: AsyncSession, *, scope: WebhookScope, webhook_id: uuid.UUID, box: SecretBox
) -> str:
    """A new secret, from the next request on: deliveries still waiting are signed with it too."""
    await stored(session, scope, webhook_id)
    secret = new_secret()
    await session.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id)
        .values(secret_sealed=box.seal(secret), updated_at=func.now())
    )
    return secret


async def send_test(
    session: AsyncSession,
    *,
    scope: WebhookScope,
    webhook_id: uuid.UUID,
    box: SecretBox,
    settings: NotifierSettings,
) -> WebhookTestResult:
    """One signed request of the saved webhook with its scope's sample values; logged nowhere,
    retried never."""
    row = await stored(session, scope, webhook_id)
    # The request may take seconds; no transaction stays open meanwhile.
    await session.rollback()
    secret = box.open(row.secret_sealed, what="webhook signing secret")
    outgoing = build(row, scope.templates.sample_values, secret=secret, message_id=f"test_{uuid.uuid4().hex}")
    address_policy = policy(settings)
    async with open_session(address_policy, connections=1) as http:
        answered = await deliver(
            http, address_policy, outgoing, timeout_seconds=settings.webhook_timeout_seconds
        )
    status = answered.status
    return WebhookTestResult(
        ok=status is not None and 200 <= status < 300,
        status=status,
        milliseconds=round(answered.milliseconds, 1),
        answer=answered.preview,
        error=answered.error,
    )


def _out_values(row: Row[Any], settings: NotifierSettings) -> dict[str, Any]:
    values = dict(row._mapping)
    values.pop("secret_sealed")
    values.pop("scope")
    since = values["failing_since"]
    failing_after = timedelta(seconds=settings.webhook_failing_after_seconds)
    values["failing"] = since is not None and datetime.now(UTC) - since >= failing_after
    return values


def webhook_out(row: Row[Any], settings: NotifierSettings) -> WebhookOut:
    return WebhookOut(**_out_values(row, settings))


def itsm_webhook_out(row: Row[Any], settings: NotifierSettings) -> ItsmWebhookOut:
    values = _out_values(row, settings)
    values.pop("department_id")
    return ItsmWebhookOut(**values)
