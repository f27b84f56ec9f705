"""What every answer of a service's states has (ticket_states.py, incident_states.py): the contract of a
service learning another's records as they are now instead of replaying its events."""

from __future__ import annotations

import uuid
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

State = TypeVar("State", bound=BaseModel)


class StatesAnswer(BaseModel):
    """What every answer has: an error instead of the states when the request could not be read."""

    model_config = ConfigDict(extra="ignore")

    error: str | None = None


class StatesPage(StatesAnswer, Generic[State]):
    """A page of states in id order; the next page is asked for after `next_after`."""

    states: list[State] = []
    # Null once the last page was sent.
    next_after: uuid.UUID | None = None
