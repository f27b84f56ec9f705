"""HTTP for the ITSM account's webhooks, which fire for incident events: the same actions as a
department's (list, create, read, change, delete, rotate the signing secret, test), with the incident
placeholders and events; every endpoint needs incidents.manage."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from notifier.access import IncidentManager
from notifier.webhooks import service
from notifier.webhooks.dependencies import Box, Settings
from notifier.webhooks.schemas import (
    ItsmWebhookIn,
    ItsmWebhookOut,
    ItsmWebhookPatch,
    ItsmWebhookWithSecret,
    SecretOut,
    WebhookTestResult,
)
from notifier.webhooks.scopes import ITSM

router = APIRouter(prefix="/itsm/webhooks", tags=["itsm webhooks"])


@router.get("")
async def list_itsm_webhooks(
    operator: IncidentManager, session: Session, settings: Settings
) -> list[ItsmWebhookOut]:
    return [service.itsm_webhook_out(row, settings) for row in await service.list_webhooks(session, ITSM)]


@router.post("", status_code=201)
async def create_itsm_webhook(
    data: ItsmWebhookIn, operator: IncidentManager, session: Session, box: Box, settings: Settings
) -> ItsmWebhookWithSecret:
    """The answer carries the signing secret: the only time it is shown."""
    created = await service.create(session, scope=ITSM, data=data, box=box, settings=settings)
    await session.commit()
    shown = service.itsm_webhook_out(created.webhook, settings)
    return ItsmWebhookWithSecret(**shown.model_dump(), secret=created.secret)


@router.get("/{webhook_id}")
async def read_itsm_webhook(
    webhook_id: uuid.UUID, operator: IncidentManager, session: Session, settings: Settings
) -> ItsmWebhookOut:
    return service.itsm_webhook_out(await service.stored(session, ITSM, webhook_id), settings)


@router.patch("/{webhook_id}")
async def change_itsm_webhook(
    webhook_id: uuid.UUID,
    data: ItsmWebhookPatch,
    operator: IncidentManager,
    session: Session,
    settings: Settings,
) -> ItsmWebhookOut:
    changed = await service.change(session, scope=ITSM, webhook_id=webhook_id, data=data, settings=settings)
    await session.commit()
    return service.itsm_webhook_out(changed, settings)


@router.delete("/{webhook_id}", status_code=204)
async def delete_itsm_webhook(webhook_id: uuid.UUID, operator: IncidentManager, session: Session) -> None:
    """Its deliveries and their log go with it."""
    await service.remove(session, ITSM, webhook_id)
    await session.commit()


@router.post("/{webhook_id}/rotate-secret")
async def rotate_itsm_secret(
    webhook_id: uuid.UUID, operator: IncidentManager, session: Session, box: Box
) -> SecretOut:
    """A new signing secret, shown this once; the old one signs nothing from now on."""
    secret = await service.rotate_secret(session, scope=ITSM, webhook_id=webhook_id, box=box)
    await session.commit()
    return SecretOut(secret=secret)


@router.post("/{webhook_id}/test")
async def test_itsm_webhook(
    webhook_id: uuid.UUID, operator: IncidentManager, session: Session, box: Box, settings: Settings
) -> WebhookTestResult:
    """One signed request of the saved webhook with sample incident values (save first to try
    changes); logged nowhere, retried never."""
    return await service.send_test(session, scope=ITSM, webhook_id=webhook_id, box=box, settings=settings)
