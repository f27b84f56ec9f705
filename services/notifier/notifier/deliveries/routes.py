"""HTTP for a webhook's delivery log: the deliveries newest first (each with every attempt as sent),
and redelivery of one. A department's webhook: tickets_manage_webhooks behind the Ticket System's
gate; an ITSM webhook: incidents.manage."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from helpdesk_common.db import Session
from notifier.access import IncidentManager, WebhookManager
from notifier.deliveries import service
from notifier.webhooks import service as webhooks
from notifier.webhooks.schemas import DeliveryOut
from notifier.webhooks.scopes import ITSM, WebhookScope

router = APIRouter(prefix="/departments/{department_id}/webhooks/{webhook_id}/deliveries", tags=["webhooks"])
itsm_router = APIRouter(prefix="/itsm/webhooks/{webhook_id}/deliveries", tags=["itsm webhooks"])

Limit = Annotated[int, Query(ge=1, le=200)]
Before = Annotated[uuid.UUID | None, Query(description="The last id of the previous page.")]


@router.get("")
async def list_deliveries(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    operator: WebhookManager,
    session: Session,
    limit: Limit = 50,
    before: Before = None,
) -> list[DeliveryOut]:
    await webhooks.stored(session, WebhookScope(department_id), webhook_id)
    return await service.list_deliveries(session, webhook_id=webhook_id, limit=limit, before=before)


@router.post("/{delivery_id}/redeliver", status_code=202)
async def redeliver(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    operator: WebhookManager,
    session: Session,
) -> DeliveryOut:
    """Queued again under the same webhook-id; 202: a worker sends it after the answer."""
    await webhooks.stored(session, WebhookScope(department_id), webhook_id)
    queued = await service.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id)
    await session.commit()
    return queued


@itsm_router.get("")
async def list_itsm_deliveries(
    webhook_id: uuid.UUID,
    operator: IncidentManager,
    session: Session,
    limit: Limit = 50,
    before: Before = None,
) -> list[DeliveryOut]:
    await webhooks.stored(session, ITSM, webhook_id)
    return await service.list_deliveries(session, webhook_id=webhook_id, limit=limit, before=before)


@itsm_router.post("/{delivery_id}/redeliver", status_code=202)
async def redeliver_itsm(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, operator: IncidentManager, session: Session
) -> DeliveryOut:
    """Queued again under the same webhook-id; 202: a worker sends it after the answer."""
    await webhooks.stored(session, ITSM, webhook_id)
    queued = await service.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id)
    await session.commit()
    return queued
