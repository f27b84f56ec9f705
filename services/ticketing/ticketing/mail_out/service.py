"""Keeping an outbound comment's delivery state: the newest revision the mail gateway reported."""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.mail import MailDelivery
from ticketing.tables.comments import comments


async def record_delivery(session: AsyncSession, delivery: MailDelivery) -> None:
    """A comment that is gone, or an event older than the state kept, changes nothing."""
    if delivery.comment_id is None:
        return
    await session.execute(
        update(comments)
        .where(
            comments.c.id == delivery.comment_id,
            comments.c.direction == "outbound",
            or_(comments.c.delivery_revision.is_(None), comments.c.delivery_revision < delivery.revision),
        )
        .values(
            delivery_state=delivery.state,
            delivery_detail=delivery.detail,
            delivery_updated_at=delivery.at,
            delivery_revision=delivery.revision,
        )
    )
