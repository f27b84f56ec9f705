"""What the webhook routes of both scopes take besides the session and the operator: the process's
settings and the box that seals and opens signing secrets."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from helpdesk_common.errors import HelpdeskError
from helpdesk_common.secrets import SecretBox, SecretKeyMissing
from notifier.config import NotifierSettings


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
