"""Bodies of the failed-messages API: what an administrator reads of a message the parser could not
read (never its bytes)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class FailedMessageOut(BaseModel):
    id: uuid.UUID
    department_id: uuid.UUID
    source: Literal["imap", "import"]
    uidvalidity: int | None
    uid: int | None
    file_name: str | None
    size: int
    message_id: str | None
    received_at: datetime
    state: Literal["stored", "parsed", "failed"]
    error: str | None
    parse_attempts: int
