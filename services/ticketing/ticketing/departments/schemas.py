"""Bodies of the departments API (the ticketing parts of seed 10.10: General, Cleanup, Members)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from helpdesk_common.inputs import NotNull, RequestModel

ClosableStatus = Literal["open", "in_progress", "waiting"]


class Cleanup(RequestModel):
    close_inactive_days: int | None = Field(default=None, ge=1, le=3650)
    close_statuses: list[ClosableStatus] = []
    close_note: str = Field(default="", max_length=5000)
    delete_closed_after_days: int | None = Field(default=None, ge=1, le=36500)
    delete_attachment_files: bool = False

    @model_validator(mode="after")
    def _statuses_when_closing(self) -> Cleanup:
        if self.close_inactive_days is not None and not self.close_statuses:
            raise ValueError("close_statuses: choose which statuses are auto-closed")
        self.close_statuses = sorted(set(self.close_statuses))  # type: ignore[assignment]
        return self


class DepartmentCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    enabled: bool = True
    auto_assign_on_open: bool = False
    customer_id: uuid.UUID | None = None
    member_ids: list[uuid.UUID] = Field(default=[], max_length=1000)
    cleanup: Cleanup = Cleanup()


class DepartmentUpdate(RequestModel):
    """Only the fields sent change; null clears the customer."""

    name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=200)
    description: Annotated[str | None, NotNull] = Field(default=None, max_length=5000)
    enabled: Annotated[bool | None, NotNull] = None
    auto_assign_on_open: Annotated[bool | None, NotNull] = None
    customer_id: uuid.UUID | None = None
    member_ids: Annotated[list[uuid.UUID] | None, NotNull] = Field(default=None, max_length=1000)
    cleanup: Annotated[Cleanup | None, NotNull] = None


class Member(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class DepartmentOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    enabled: bool
    auto_assign_on_open: bool
    customer_id: uuid.UUID | None
    members: list[Member]
    cleanup: Cleanup
    created_at: datetime
    updated_at: datetime
