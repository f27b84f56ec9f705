"""The rules of a department's mailbox settings: only for a department ticketing has told us of,
secrets sealed before they reach the table (kept when a PUT leaves them out), plain text only where
the deployment allows it, and the checks that span fields (a server needs its username and
credentials, an enabled Auto-Reply its subject and body)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import sanitise_html
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.secrets import SecretBox
from mail_gateway.config import MailGatewaySettings
from mail_gateway.mailboxes.schemas import (
    SECRET_FIELDS,
    MailboxHealthOut,
    MailboxSettingsIn,
    MailboxSettingsOut,
)
from mail_gateway.projections.consumers import departments_projection
from mail_gateway.tables.mailboxes import mailboxes

# What a poller or sender connects with: a change to any of them makes the last verdict on the
# credentials stale.
CONNECTION_COLUMNS = (
    "auth_method", "imap_host", "imap_port", "imap_tls", "imap_username", "smtp_host", "smtp_port",
    "smtp_tls", "smtp_username", "oauth_token_endpoint", "oauth_client_id", "oauth_scope",
    "oauth_mechanism",
)  # fmt: skip
HEALTH_COLUMNS = (
    "last_poll_at", "last_success_at", "last_error", "last_error_at", "messages_waiting",
    "credentials_failing", "lease_holder", "lease_expires_at",
)  # fmt: skip


class SettingsRefused(HelpdeskError):
    """422 naming every field that is wrong, as a body that failed its schema would."""

    status_code = 422
    problem_type = "urn:helpdesk:problem:validation"
    title = "Validation failed"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


async def ensure_department(session: AsyncSession, department_id: uuid.UUID) -> None:
    await departments_projection.ensure_known(session, department_id)


async def stored_mailbox(
    session: AsyncSession, department_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any] | None:
    query = select(mailboxes).where(mailboxes.c.department_id == department_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def read_settings(session: AsyncSession, department_id: uuid.UUID) -> MailboxSettingsOut:
    await ensure_department(session, department_id)
    row = await stored_mailbox(session, department_id)
    if row is None:
        return _defaults(department_id)
    return _settings_out(row._mapping)


async def put_settings(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    data: MailboxSettingsIn,
    box: SecretBox,
    settings: MailGatewaySettings,
) -> MailboxSettingsOut:
    await ensure_department(session, department_id)
    stored = await stored_mailbox(session, department_id, for_update=True)
    previous: dict[str, Any] = dict(stored._mapping) if stored is not None else {}
    values = data.model_dump(exclude=set(SECRET_FIELDS))
    values["auto_reply_body_html"] = sanitise_html(data.auto_reply_body_html)
    values["follow_up_body_html"] = sanitise_html(data.follow_up_body_html)
    for name in SECRET_FIELDS:
        if name in data.model_fields_set:
            given = getattr(data, name)
            values[f"{name}_sealed"] = box.seal(given) if given else None
    sealed = {name: values.get(f"{name}_sealed", previous.get(f"{name}_sealed")) for name in SECRET_FIELDS}
    errors = _refusals(data, values, sealed, settings)
    if errors:
        raise SettingsRefused(errors)
    if any(previous.get(column) != values[column] for column in CONNECTION_COLUMNS) or any(
        f"{name}_sealed" in values for name in SECRET_FIELDS
    ):
        values["credentials_failing"] = False
    values["updated_at"] = datetime.now(UTC)
    await session.execute(
        insert(mailboxes)
        .values(department_id=department_id, **values)
        .on_conflict_do_update(index_elements=["department_id"], set_=values)
    )
    return await read_settings(session, department_id)


async def delete_mailbox(session: AsyncSession, department_id: uuid.UUID) -> None:
    """Ingestion and sending stop for the department, and its secrets are gone."""
    await ensure_department(session, department_id)
    await session.execute(delete(mailboxes).where(mailboxes.c.department_id == department_id))


async def read_health(session: AsyncSession, department_id: uuid.UUID) -> MailboxHealthOut:
    await ensure_department(session, department_id)
    row = await stored_mailbox(session, department_id)
    if row is None:
        empty = dict.fromkeys(HEALTH_COLUMNS) | {"credentials_failing": False}
        return MailboxHealthOut.model_validate(
            {"department_id": department_id, "configured": False, "enabled": False, **empty}
        )
    stored = row._mapping
    health = {column: stored[column] for column in HEALTH_COLUMNS}
    return MailboxHealthOut.model_validate(
        {"department_id": department_id, "configured": True, "enabled": stored["enabled"], **health}
    )


def _refusals(
    data: MailboxSettingsIn,
    values: dict[str, Any],
    sealed: dict[str, bytes | None],
    settings: MailGatewaySettings,
) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    for server in ("imap", "smtp"):
        if getattr(data, f"{server}_tls") == "none" and not settings.mail_allow_plaintext:
            refuse(
                f"{server}_tls",
                "TLS mode none is not allowed on this deployment (HELPDESK_MAIL_ALLOW_PLAINTEXT).",
            )
        if not getattr(data, f"{server}_host"):
            continue
        if not getattr(data, f"{server}_username"):
            refuse(f"{server}_username", f"A username is required with an {server.upper()} server.")
        if data.auth_method == "password" and sealed[f"{server}_password"] is None:
            refuse(f"{server}_password", f"A password is required with an {server.upper()} server.")
    if data.imap_host and not data.imap_folder:
        refuse("imap_folder", "A folder is required with an IMAP server (usually INBOX).")
    if data.smtp_host and not data.from_address:
        refuse("from_address", "A From address is required with an SMTP server.")
    if data.auth_method == "oauth2":
        errors.extend(_oauth_refusals(data, sealed, settings))
    for kind, label in (("auto_reply", "An Auto-Reply"), ("follow_up", "A Follow-Up Reminder")):
        if not getattr(data, f"{kind}_enabled"):
            continue
        if not getattr(data, f"{kind}_subject"):
            refuse(f"{kind}_subject", f"{label} needs a subject.")
        # Judged after sanitising: a body that was only a script is no body.
        if not values[f"{kind}_body_html"].strip():
            refuse(f"{kind}_body_html", f"{label} needs a body.")
    return errors


def _oauth_refusals(
    data: MailboxSettingsIn, sealed: dict[str, bytes | None], settings: MailGatewaySettings
) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    endpoint = data.oauth_token_endpoint.lower()
    secure = endpoint.startswith("https://") and len(endpoint) > len("https://")
    plain = endpoint.startswith("http://") and len(endpoint) > len("http://")
    if not secure and not (plain and settings.mail_allow_plaintext):
        errors.append(
            {"field": "oauth_token_endpoint", "message": "The token endpoint must be an https:// URL."}
        )
    if not data.oauth_client_id:
        errors.append({"field": "oauth_client_id", "message": "OAuth2 needs a client id."})
    if sealed["oauth_refresh_token"] is None:
        errors.append({"field": "oauth_refresh_token", "message": "OAuth2 needs a refresh token."})
    return errors


def _defaults(department_id: uuid.UUID) -> MailboxSettingsOut:
    values = MailboxSettingsIn().model_dump(exclude=set(SECRET_FIELDS))
    secrets = {f"{name}_set": False for name in SECRET_FIELDS}
    return MailboxSettingsOut.model_validate(
        {"department_id": department_id, "configured": False, "updated_at": None, **values, **secrets}
    )


def _settings_out(stored: Any) -> MailboxSettingsOut:
    fields = set(MailboxSettingsOut.model_fields) - {"configured"} - {f"{n}_set" for n in SECRET_FIELDS}
    secrets = {f"{name}_set": stored[f"{name}_sealed"] is not None for name in SECRET_FIELDS}
    return MailboxSettingsOut.model_validate(
        {"configured": True, **{name: stored[name] for name in fields}, **secrets}
    )
