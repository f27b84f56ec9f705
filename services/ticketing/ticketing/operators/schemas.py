"""Bodies of the operator directory: who an operator is to colleagues, no e-mail and no flags."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class DirectoryEntry(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    active: bool
