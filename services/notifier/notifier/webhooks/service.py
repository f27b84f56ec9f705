"""The rules of a department's webhooks: only for a department ticketing has told us of, the URL
checked against the address guard when saved, the signing secret sealed before it reaches the table
and shown only when it is made (creation, rotation)."""

from __future__ import annotations

import re
import uuid
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
from notifier.webhooks.schemas import WebhookIn, WebhookOut, WebhookPatch, WebhookWithSecret
from notifier.webhooks.signing import new_secret

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class WebhookUnknown(NotFound):
    pass


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


async def list_webhooks(
    session: AsyncSession, department_id: uuid.UUID, settings: NotifierSettings
) -> list[WebhookOut]:
    await departments_projection.ensure_known(session, department_id)
    rows = await session.execute(
        select(webhooks)
        .where(webhooks.c.department_id == department_id)
        .order_by(webhooks.c.name, webhooks.c.id)
    )
    return [webhook_out(row, settings) for row in rows]


async def stored(session: AsyncSession, department_id: uuid.UUID, webhook_id: uuid.UUID) -> Row[Any]:
    await departments_projection.ensure_known(session, department_id)
    row = (
        await session.execute(
            select(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.department_id == department_id)
        )
    ).first()
    if row is None:
        raise WebhookUnknown(f"The department has no webhook {webhook_id}.")
    return row


async def create(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    data: WebhookIn,
    box: SecretBox,
    settings: NotifierSettings,
) -> WebhookWithSecret:
    await departments_projection.ensure_known(session, department_id)
    check_url(data.url, policy(settings))
    secret = new_secret()
    row = (
        await session.execute(
            webhooks.insert()
            .values(
                id=uuid.uuid4(),
                department_id=department_id,
                secret_sealed=box.seal(secret),
                **data.model_dump(),
            )
            .returning(*webhooks.c)
        )
    ).one()
    return WebhookWithSecret(**webhook_out(row, settings).model_dump(), secret=secret)


async def change(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    data: WebhookPatch,
    settings: NotifierSettings,
) -> WebhookOut:
    await stored(session, department_id, webhook_id)
    values = data.model_dump(exclude_none=True)
    if "url" in values:
        check_url(values["url"], policy(settings))
    row = (
        await session.execute(
            update(webhooks)
            .where(webhooks.c.id == webhook_id)
            .values(**values, updated_at=func.now())
            .returning(*webhooks.c)
        )
    ).one()
    return webhook_out(row, settings)


async def remove(session: AsyncSession, department_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    await stored(session, department_id, webhook_id)
    await session.execute(delete(webhooks).where(webhooks.c.id == webhook_id))


async def rotate_secret(
    session: AsyncSession, *, department_id: uuid.UUID, webhook_id: uuid.UUID, box: SecretBox
) -> str:
    """A new secret, from the next request on: deliveries still waiting are signed with it too."""
    await stored(session, department_id, webhook_id)
    secret = new_secret()
    await session.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id)
        .values(secret_sealed=box.seal(secret), updated_at=func.now())
    )
    return secret


def webhook_out(row: Row[Any], settings: NotifierSettings) -> WebhookOut:
    values = dict(row._mapping)
    values.pop("secret_sealed")
    since = values["failing_since"]
    failing_after = timedelta(seconds=settings.webhook_failing_after_seconds)
    values["failing"] = since is not None and datetime.now(UTC) - since >= failing_after
    return WebhookOut(**values)
