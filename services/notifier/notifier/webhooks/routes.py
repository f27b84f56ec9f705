"""HTTP for a department's webhooks (seed 10.16): list, create, read, change, delete, rotate the
signing secret, and the test action; every endpoint needs tickets_manage_webhooks behind the Ticket
System's gate. The ITSM account's are itsm_routes.py."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from notifier.access import WebhookManager
from notifier.webhooks import service
from notifier.webhooks.dependencies import Box, Settings
from notifier.webhooks.schemas import (
    SecretOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookTestResult,
    WebhookWithSecret,
)
from notifier.webhooks.scopes import WebhookScope

router = APIRouter(prefix="/departments/{department_id}/webhooks", tags=["webhooks"])


@router.get("")
async def list_webhooks(
    department_id: uuid.UUID, operator: WebhookManager, session: Session, settings: Settings
) -> list[WebhookOut]:
    rows = await service.list_webhooks(session, WebhookScope(department_id))
    return [service.webhook_out(row, settings) for row in rows]


@router.post("", status_code=201)
async def create_webhook(
    department_id: uuid.UUID,
    data: WebhookIn,
    operator: WebhookManager,
    session: Session,
    box: Box,
    settings: Settings,
) -> WebhookWithSecret:
    """The answer carries the signing secret: the only time it is shown."""
    created = await service.create(
        session, scope=WebhookScope(department_id), data=data, box=box, settings=settings
    )
    await session.commit()
    shown = service.webhook_out(created.webhook, settings)
    return WebhookWithSecret(**shown.model_dump(), secret=created.secret)


@router.get("/{webhook_id}")
async def read_webhook(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    operator: WebhookManager,
    session: Session,
    settings: Settings,
) -> WebhookOut:
    row = await service.stored(session, WebhookScope(department_id), webhook_id)
    return service.webhook_out(row, settings)


@router.patch("/{webhook_id}")
async def change_webhook(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    data: WebhookPatch,
    operator: WebhookManager,
    session: Session,
    settings: Settings,
) -> WebhookOut:
    changed = await service.change(
        session, scope=WebhookScope(department_id), webhook_id=webhook_id, data=data, settings=settings
    )
    await session.commit()
    return service.webhook_out(changed, settings)


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    department_id: uuid.UUID, webhook_id: uuid.UUID, operator: WebhookManager, session: Session
) -> None:
    """Its deliveries and their log go with it."""
    await service.remove(session, WebhookScope(department_id), webhook_id)
    await session.commit()


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(
    department_id: uuid.UUID, webhook_id: uuid.UUID, operator: WebhookManager, session: Session, box: Box
) -> SecretOut:
    """A new signing secret, shown this once; the old one signs nothing from now on."""
    secret = await service.rotate_secret(
        session, scope=WebhookScope(department_id), webhook_id=webhook_id, box=box
    )
    await session.commit()
    return SecretOut(secret=secret)


@router.post("/{webhook_id}/test")
async def test_webhook(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    operator: WebhookManager,
    session: Session,
    box: Box,
    settings: Settings,
) -> WebhookTestResult:
    """One signed request of the saved webhook with sample placeholder values (save first to try
    changes); logged nowhere, retried never."""
    return await service.send_test(
        session, scope=WebhookScope(department_id), webhook_id=webhook_id, box=box, settings=settings
    )
