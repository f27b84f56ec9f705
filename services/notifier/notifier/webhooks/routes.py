"""HTTP for a department's webhooks (seed 10.16): list, create, read, change, delete, rotate the
signing secret, and the test action; every endpoint needs tickets_manage_webhooks behind the Ticket
System's gate."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request

from helpdesk_common.db import Session
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.secrets import SecretBox, SecretKeyMissing
from notifier.access import WebhookManager
from notifier.config import NotifierSettings
from notifier.webhooks import service
from notifier.webhooks.outgoing import build, deliver
from notifier.webhooks.requests import open_session
from notifier.webhooks.schemas import (
    SecretOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookTestResult,
    WebhookWithSecret,
)
from notifier.webhooks.templates import SAMPLE_VALUES

router = APIRouter(prefix="/departments/{department_id}/webhooks", tags=["webhooks"])


class SecretsUnavailable(HelpdeskError):
    status_code = 503
    problem_type = "urn:helpdesk:problem:secrets-unavailable"
    title = "Secrets cannot be stored"


def _settings(request: Request) -> NotifierSettings:
    return cast(NotifierSettings, request.app.state.runtime.settings)


def _box(request: Request) -> SecretBox:
    """Built on first use, so a process without HELPDESK_SECRET_KEY still serves everything else."""
    box: SecretBox | None = getattr(request.app.state, "secret_box", None)
    if box is None:
        try:
            box = request.app.state.secret_box = SecretBox(_settings(request).secret_key)
        except SecretKeyMissing as error:
            raise SecretsUnavailable(str(error)) from error
    return box


Settings = Annotated[NotifierSettings, Depends(_settings)]
Box = Annotated[SecretBox, Depends(_box)]


@router.get("")
async def list_webhooks(
    department_id: uuid.UUID, operator: WebhookManager, session: Session, settings: Settings
) -> list[WebhookOut]:
    return await service.list_webhooks(session, department_id, settings)


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
        session, department_id=department_id, data=data, box=box, settings=settings
    )
    await session.commit()
    return created


@router.get("/{webhook_id}")
async def read_webhook(
    department_id: uuid.UUID,
    webhook_id: uuid.UUID,
    operator: WebhookManager,
    session: Session,
    settings: Settings,
) -> WebhookOut:
    return service.webhook_out(await service.stored(session, department_id, webhook_id), settings)


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
        session, department_id=department_id, webhook_id=webhook_id, data=data, settings=settings
    )
    await session.commit()
    return changed


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    department_id: uuid.UUID, webhook_id: uuid.UUID, operator: WebhookManager, session: Session
) -> None:
    """Its deliveries and their log go with it."""
    await service.remove(session, department_id, webhook_id)
    await session.commit()


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(
    department_id: uuid.UUID, webhook_id: uuid.UUID, operator: WebhookManager, session: Session, box: Box
) -> SecretOut:
    """A new signing secret, shown this once; the old one signs nothing from now on."""
    secret = await service.rotate_secret(session, department_id=department_id, webhook_id=webhook_id, box=box)
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
    row = await service.stored(session, department_id, webhook_id)
    # The request may take seconds; no transaction stays open meanwhile.
    await session.rollback()
    secret = box.open(row.secret_sealed, what="webhook signing secret")
    outgoing = build(row, SAMPLE_VALUES, secret=secret, message_id=f"test_{uuid.uuid4().hex}")
    policy = service.policy(settings)
    async with open_session(policy, connections=1) as http:
        answered = await deliver(http, policy, outgoing, timeout_seconds=settings.webhook_timeout_seconds)
    status = answered.status
    return WebhookTestResult(
        ok=status is not None and 200 <= status < 300,
        status=status,
        milliseconds=round(answered.milliseconds, 1),
        answer=answered.preview,
        error=answered.error,
    )
