"""Message-IDs read from a message's header block without parsing it: the poller's UIDVALIDITY
re-sync matches messages by them (the Message-ID map of the raw store)."""

from __future__ import annotations

import re

# Headers end at the first empty line; a header block larger than this is not a mail's.
_HEADER_LIMIT = 262_144
# No controls or spaces inside the brackets: a NUL could not even be stored as text.
_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\x00-\x20\x7f]{1,900}>)", re.IGNORECASE | re.MULTILINE
)


def header_message_id(raw: bytes | bytearray) -> str | None:
    head = bytes(memoryview(raw)[:_HEADER_LIMIT])
    end = head.find(b"\r\n\r\n")
    if end < 0:
        end = head.find(b"\n\n")
    found = _MESSAGE_ID.search(head if end < 0 else head[:end])
    return found.group(1).decode("ascii", errors="replace") if found else None
