"""The poller's pure pieces: UID sets as IMAP writes them, and the Message-ID read from a header
block without parsing the message."""

from __future__ import annotations

import pytest

from mail_gateway.connections.imap import uid_set
from mail_gateway.inbound.store import scan_message_id


@pytest.mark.parametrize(
    ("uids", "written"),
    [
        ([1], "1"),
        ([3, 1, 2], "1:3"),
        ([1, 2, 3, 4, 7, 9, 10], "1:4,7,9:10"),
        ([5, 5, 6], "5:6"),
    ],
)
def test_uid_sets_are_compressed_ranges(uids: list[int], written: str) -> None:
    assert uid_set(uids) == written


def test_an_empty_uid_set_is_refused() -> None:
    with pytest.raises(ValueError):
        uid_set([])


@pytest.mark.parametrize(
    ("raw", "message_id"),
    [
        (b"Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody", "<a@b>"),
        (b"message-id:<a@b>\nSubject: x\n\nbody", "<a@b>"),
        (b"Message-ID:\r\n <folded@b>\r\n\r\n", "<folded@b>"),
        # Only the header block counts: a Message-ID line in the body is not the message's.
        (b"Subject: x\r\n\r\nMessage-ID: <in-body@b>\r\n", None),
        (b"Subject: no id\r\n\r\n", None),
        # A NUL cannot be stored as text: dropped, as the raw store keeps the Message-ID.
        (b"Message-ID: <nul\x00@b>\r\n\r\n", "<nul@b>"),
        (bytearray(b"Message-ID: <from-a-bytearray@b>\r\n\r\n"), "<from-a-bytearray@b>"),
    ],
)
def test_the_message_id_comes_from_the_header_block(raw: bytes, message_id: str | None) -> None:
    """The raw store's scan, which the poller's Message-ID map matches with (one reading of it)."""
    assert scan_message_id(raw) == message_id
