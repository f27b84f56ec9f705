"""The devices and addresses an operator signed in from: clients that sign-in locks set by others'
failures let through."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, false, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.identity.secrets import new_token, token_digest
from gateway.tables import operators, sign_in_addresses, sign_in_devices

DEVICE_COOKIE = "helpdesk_device"
# Clients that keep no cookie add a device at each sign-in; past this many the oldest are forgotten.
DEVICES_PER_OPERATOR = 20


def is_known_device(device: str | None) -> ColumnElement[bool]:
    """True for the operator of the query when `device` (a cookie's digest) signed in as them."""
    if device is None:
        return false()
    return exists().where(
        sign_in_devices.c.operator_id == operators.c.id,
        sign_in_devices.c.token_hash == device,
        sign_in_devices.c.expires_at > datetime.now(UTC),
    )


def is_known_address(address: str, settings: GatewaySettings) -> ColumnElement[bool]:
    return exists().where(
        sign_in_addresses.c.operator_id == operators.c.id,
        sign_in_addresses.c.address == address,
        sign_in_addresses.c.last_signed_in_at > datetime.now(UTC) - _known_for(settings),
    )


async def remember(
    session: AsyncSession,
    *,
    operator_id: uuid.UUID,
    address: str,
    device: str | None,
    settings: GatewaySettings,
) -> str:
    """Records the address and gives the browser a new device token (OWASP: a fresh one after each
    sign-in, so a copied cookie stops working); the other operators this browser is known for keep it."""
    now = datetime.now(UTC)
    token = new_token()
    if device is not None:
        await session.execute(
            update(sign_in_devices)
            .where(sign_in_devices.c.token_hash == device)
            .values(token_hash=token_digest(token))
        )
    known = {
        "token_hash": token_digest(token),
        "operator_id": operator_id,
        "expires_at": now + _known_for(settings),
    }
    await session.execute(
        insert(sign_in_devices)
        .values(known)
        .on_conflict_do_update(
            index_elements=[sign_in_devices.c.token_hash, sign_in_devices.c.operator_id],
            set_={"expires_at": known["expires_at"]},
        )
    )
    await session.execute(
        insert(sign_in_addresses)
        .values(operator_id=operator_id, address=address, last_signed_in_at=now)
        .on_conflict_do_update(
            index_elements=[sign_in_addresses.c.operator_id, sign_in_addresses.c.address],
            set_={"last_signed_in_at": now},
        )
    )
    await _forget_stale(session, operator_id, now, settings)
    return token


async def _forget_stale(
    session: AsyncSession, operator_id: uuid.UUID, now: datetime, settings: GatewaySettings
) -> None:
    newest = (
        select(sign_in_devices.c.token_hash)
        .where(sign_in_devices.c.operator_id == operator_id)
        .order_by(sign_in_devices.c.expires_at.desc())
        .limit(DEVICES_PER_OPERATOR)
    )
    await session.execute(
        delete(sign_in_devices).where(
            sign_in_devices.c.operator_id == operator_id,
            or_(sign_in_devices.c.expires_at < now, sign_in_devices.c.token_hash.not_in(newest)),
        )
    )
    await session.execute(
        delete(sign_in_addresses).where(
            sign_in_addresses.c.operator_id == operator_id,
            sign_in_addresses.c.last_signed_in_at < now - _known_for(settings),
        )
    )


def _known_for(settings: GatewaySettings) -> timedelta:
    return timedelta(days=settings.throttle_known_client_days)
