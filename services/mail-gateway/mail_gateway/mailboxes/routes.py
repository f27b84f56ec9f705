"""HTTP for a department's mailbox: the settings (read, replace, delete), its health, and the two
test actions; every endpoint needs tickets_manage_departments behind the Ticket System's gate."""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from helpdesk_common.db import Session
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.secrets import SecretBox, SecretKeyMissing
from mail_gateway.access import DepartmentManager
from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections.endpoint import Endpoint, ServerRefused
from mail_gateway.mailboxes import service
from mail_gateway.mailboxes.checks import ConnectionCheck, MailboxChecks
from mail_gateway.mailboxes.endpoints import imap_endpoint, smtp_endpoint
from mail_gateway.mailboxes.schemas import (
    MailboxHealthOut,
    MailboxSettingsIn,
    MailboxSettingsOut,
    MailboxTestResult,
)

router = APIRouter(prefix="/departments/{department_id}/mailbox", tags=["mailboxes"])


class SecretsUnavailable(HelpdeskError):
    status_code = 503
    problem_type = "urn:helpdesk:problem:secrets-unavailable"
    title = "Secrets cannot be stored"


def _settings(request: Request) -> MailGatewaySettings:
    return cast(MailGatewaySettings, request.app.state.runtime.settings)


def _box(request: Request) -> SecretBox:
    """Built on first use, so a process without HELPDESK_SECRET_KEY still serves everything else."""
    box: SecretBox | None = getattr(request.app.state, "secret_box", None)
    if box is None:
        try:
            box = request.app.state.secret_box = SecretBox(_settings(request).secret_key)
        except SecretKeyMissing as error:
            raise SecretsUnavailable(str(error)) from error
    return box


def _checks(request: Request) -> MailboxChecks:
    """The app's checks (main.py), the greeting probes unless another set was given."""
    return cast(MailboxChecks, request.app.state.mailbox_checks)


Settings = Annotated[MailGatewaySettings, Depends(_settings)]
Box = Annotated[SecretBox, Depends(_box)]
Checks = Annotated[MailboxChecks, Depends(_checks)]


@router.get("")
async def read(department_id: uuid.UUID, operator: DepartmentManager, session: Session) -> MailboxSettingsOut:
    return await service.read_settings(session, department_id)


@router.put("")
async def replace(
    department_id: uuid.UUID,
    data: MailboxSettingsIn,
    operator: DepartmentManager,
    session: Session,
    box: Box,
    settings: Settings,
) -> MailboxSettingsOut:
    saved = await service.put_settings(
        session, department_id=department_id, data=data, box=box, settings=settings
    )
    await session.commit()
    return saved


@router.delete("", status_code=204)
async def remove(department_id: uuid.UUID, operator: DepartmentManager, session: Session) -> None:
    await service.delete_mailbox(session, department_id)
    await session.commit()


@router.get("/health")
async def health(department_id: uuid.UUID, operator: DepartmentManager, session: Session) -> MailboxHealthOut:
    return await service.read_health(session, department_id)


@router.post("/test-imap")
async def test_imap(
    department_id: uuid.UUID,
    operator: DepartmentManager,
    session: Session,
    box: Box,
    settings: Settings,
    checks: Checks,
) -> MailboxTestResult:
    """Tries the saved IMAP settings (save first to try new ones)."""
    row = await _saved(session, department_id)
    endpoint = imap_endpoint(row, box, settings, _engine(session)) if row is not None else None
    folder = row.imap_folder if row is not None else "INBOX"
    return await _try(functools.partial(checks.imap, folder=folder), endpoint, "IMAP", settings)


@router.post("/test-smtp")
async def test_smtp(
    department_id: uuid.UUID,
    operator: DepartmentManager,
    session: Session,
    box: Box,
    settings: Settings,
    checks: Checks,
) -> MailboxTestResult:
    """Tries the saved SMTP settings (save first to try new ones)."""
    row = await _saved(session, department_id)
    endpoint = smtp_endpoint(row, box, settings, _engine(session)) if row is not None else None
    return await _try(checks.smtp, endpoint, "SMTP", settings)


def _engine(session: AsyncSession) -> AsyncEngine:
    """Where a rotated refresh token is written, apart from the request's transaction."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the service's engine"
    return engine


async def _saved(session: Session, department_id: uuid.UUID) -> Row[Any] | None:
    await service.ensure_department(session, department_id)
    row = await service.stored_mailbox(session, department_id)
    # The connection may take seconds; no transaction stays open meanwhile.
    await session.rollback()
    return row


async def _try(
    check: ConnectionCheck, endpoint: Endpoint | None, server: str, settings: MailGatewaySettings
) -> MailboxTestResult:
    if endpoint is None:
        return MailboxTestResult(ok=False, stage="settings", message=f"No {server} server is saved.")
    try:
        async with asyncio.timeout(settings.mail_test_timeout_seconds):
            said = await check(endpoint)
    except ServerRefused as refused:
        return MailboxTestResult(ok=False, stage=refused.stage, message=refused.words)
    except TimeoutError:
        waited = f"{settings.mail_test_timeout_seconds:g}"
        return MailboxTestResult(ok=False, stage="timeout", message=f"No answer within {waited} s.")
    return MailboxTestResult(ok=True, stage="done", message=said)
