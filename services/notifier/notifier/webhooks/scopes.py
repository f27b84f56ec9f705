"""Whose webhooks: a department's, which fire for its tickets' events (seed 10.16), or the ITSM
account's one set, which fire for incident events (an incident belongs to no department). A scope
says which rows of `webhooks` are its and which placeholders its bodies use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement

from notifier.tables import webhooks
from notifier.webhooks.templates import INCIDENT_TEMPLATES, TICKET_TEMPLATES, TemplateKind

ScopeName = Literal["department", "itsm"]


@dataclass(frozen=True)
class WebhookScope:
    """A department's webhooks, or (no department) the ITSM account's."""

    department_id: uuid.UUID | None = None

    @property
    def name(self) -> ScopeName:
        return "department" if self.department_id is not None else "itsm"

    @property
    def templates(self) -> TemplateKind:
        return TICKET_TEMPLATES if self.department_id is not None else INCIDENT_TEMPLATES

    def owns(self) -> ColumnElement[bool]:
        """The WHERE clause of its webhooks."""
        if self.department_id is not None:
            return webhooks.c.department_id == self.department_id
        return webhooks.c.scope == "itsm"


ITSM = WebhookScope()
