"""`POST /alerts`: an alert over HTTP, authenticated by its source's integration key (`routing_key` in
the body, as PagerDuty's Events API takes it), not by an operator. An accepted alert is written to the
outbox as the `alert` envelope on `alerts.<source>`, the subject bus producers publish on, so both
paths are correlated by one consumer (alerts/correlation.py)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from sqlalchemy import update

from helpdesk_common.contracts.alerts import Alert, AlertData
from helpdesk_common.db import Session
from helpdesk_common.errors import HelpdeskError, Unauthenticated
from helpdesk_common.http.openapi import RETRY_AFTER, problem
from helpdesk_common.outbox import add_event
from itsm.alerts.limits import SourceLimiter
from itsm.sources.service import holder_of
from itsm.tables import alert_sources, integration_keys

router = APIRouter(tags=["alerts"])


class AlertRequest(AlertData):
    routing_key: Annotated[
        str, Field(min_length=1, max_length=200, description="The source's integration key.")
    ]


_KEY = "hdk_the-key-shown-once-when-the-source-was-made"
# Shown in the API's document (Swagger UI) as a producer would send each action.
EXAMPLES = {
    "trigger": {
        "summary": "A check failed",
        "value": {
            "routing_key": _KEY,
            "event_action": "trigger",
            "dedup_key": "db-01/disk_space",
            "payload": {
                "summary": "Disk /var on db-01 is 97% full",
                "source": "db-01",
                "severity": "critical",
                "timestamp": "2026-12-04T09:30:00Z",
                "rule": "disk_space",
                "component": "postgres",
                "group": "databases",
                "class": "disk",
                "custom_details": {"free_bytes": 1073741824, "mount": "/var"},
            },
        },
    },
    "acknowledge": {
        "summary": "Someone is on it",
        "value": {"routing_key": _KEY, "event_action": "acknowledge", "dedup_key": "db-01/disk_space"},
    },
    "resolve": {
        "summary": "The check passes again",
        "value": {"routing_key": _KEY, "event_action": "resolve", "dedup_key": "db-01/disk_space"},
    },
}


class AlertAccepted(BaseModel):
    status: str = "success"
    message: str = "Event accepted"
    dedup_key: str = Field(
        description="The key the alert correlates by: a later acknowledge or resolve names it."
    )


class TooManyAlerts(HelpdeskError):
    status_code = 429
    problem_type = "urn:helpdesk:problem:too-many-alerts"
    title = "Too many alerts from this source"


@router.post(
    "/alerts",
    status_code=202,
    # No operator's credentials: the key is in the body (the gateway asks for none either).
    openapi_extra={"security": []},
    responses={
        401: problem("The routing_key is no enabled source's integration key, or it was revoked."),
        429: problem("More alerts a minute than the source's rate_per_minute.", headers=RETRY_AFTER),
    },
)
async def receive_alert(
    data: Annotated[AlertRequest, Body(openapi_examples=EXAMPLES)],
    request: Request,
    session: Session,
) -> AlertAccepted:
    """Accepted once it is stored in the outbox: it reaches its incident within moments, and a copy
    sent again (same `dedup_key`) changes nothing twice."""
    holder = await holder_of(session, data.routing_key)
    if holder is None:
        raise Unauthenticated("The routing_key is not the integration key of an enabled alert source.")
    limiter: SourceLimiter = request.app.state.alert_limiter
    wait = limiter.admit(holder.source_id, holder.rate_per_minute)
    if wait is not None:
        raise TooManyAlerts(
            f"The source '{holder.source_name}' sent more than {holder.rate_per_minute} alerts a minute.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    alert_data = AlertData.model_validate(data.model_dump(exclude={"routing_key"}, by_alias=True))
    await add_event(session, Alert.from_source(holder.source_name, alert_data))
    now = request.app.state.clock.now()
    await session.execute(
        update(alert_sources).where(alert_sources.c.id == holder.source_id).values(last_alert_at=now)
    )
    await session.execute(
        update(integration_keys).where(integration_keys.c.id == holder.key_id).values(last_used_at=now)
    )
    await session.commit()
    return AlertAccepted(dedup_key=alert_data.correlation_key())
