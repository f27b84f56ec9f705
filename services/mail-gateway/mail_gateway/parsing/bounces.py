"""Delivery failure reports about mail we sent: RFC 3464 delivery status notifications
(`multipart/report; report-type=delivery-status`), and the common reports of their own words that
mailer-daemons send with the original message (or its headers) attached or quoted. What is
recognised: the failed recipient, the status, the server's words, and the original Message-ID,
through which ticketing finds the ticket."""

from __future__ import annotations

import re
from email.message import Message

from helpdesk_common.contracts.mail import BounceReport
from mail_gateway.parsing.headers import message_ids, raw_field, repaired
from mail_gateway.parsing.noise import is_robot

ORIGINAL_TYPES = frozenset(
    {"message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"}
)
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_REPLY = re.compile(r"^\s*([45]\d\d[ -].+)$", re.MULTILINE)
_ADDRESS = re.compile(r"<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_REASON = re.compile(r"^\s*(?:reason|remote server said|error)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
# Fields of the original some reports quote in their explanation (its sender, its Message-ID).
_QUOTED_FIELD = re.compile(
    r"^\s*(?:message-id|from|to|cc|subject|date|references|in-reply-to|reply-to)\s*:", re.IGNORECASE
)
_QUOTED_MESSAGE_ID = re.compile(r"^message-id:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
# Where the quoted original begins in the reports of Exim, Postfix, qmail, Sendmail and Exchange.
_QUOTE_STARTS = re.compile(
    r"^-+ ?(?:this is a copy of|original message|below this line|the original message)|"
    r"^(?:original message headers|--- below this line is a copy)",
    re.IGNORECASE | re.MULTILINE,
)
MAX_DIAGNOSTIC_CHARS = 2000


def bounce_report(message: Message, from_address: str, body_text: str) -> BounceReport | None:
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type", "", header="content-type") or "").lower()
        report = _from_dsn(message) if report_type == "delivery-status" else None
        if report is not None:
            return report
    if is_robot(from_address):
        return _from_robot(message, body_text)
    return None


def _from_dsn(message: Message) -> BounceReport | None:
    """None when the report's parts cannot be read (a broken boundary): its words may still do."""
    status: Message | None = None
    original: str | None = None
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/delivery-status", "message/global-delivery-status") and status is None:
            status = _failed_recipient(part)
        elif content_type in ORIGINAL_TYPES and original is None:
            original = _original_message_id(part)
    if status is None:
        return BounceReport(original_message_id=original) if original else None
    recipient = raw_field(status, "Original-Recipient") or raw_field(status, "Final-Recipient") or ""
    diagnostic = raw_field(status, "Diagnostic-Code") or ""
    code = (raw_field(status, "Status") or "").split()
    return BounceReport(
        recipient=_after_type(recipient),
        action=(raw_field(status, "Action") or "failed").lower(),
        status=code[0] if code else "",
        diagnostic=_after_type(diagnostic)[:MAX_DIAGNOSTIC_CHARS],
        original_message_id=original,
    )


def _failed_recipient(part: Message) -> Message | None:
    """The first per-recipient block that failed, else the first one that names a recipient."""
    blocks = _status_blocks(part)
    recipients = [block for block in blocks if raw_field(block, "Final-Recipient")]
    for block in recipients:
        if (raw_field(block, "Action") or "").lower() == "failed":
            return block
    return recipients[0] if recipients else None


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return []


def _original_message_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        ids = message_ids(raw_field(payload[0], "Message-ID"))
        return ids[0] if ids else None
    text = payload if isinstance(payload, str) else ""
    found = _QUOTED_MESSAGE_ID.search(repaired(text))
    return found.group(1) if found else None


def _from_robot(message: Message, body_text: str) -> BounceReport | None:
    """A mailer-daemon's own report: a bounce only when it carries the original, attached or quoted."""
    original: str | None = None
    attached = False
    for part in message.walk():
        if part is not message and part.get_content_type() in ORIGINAL_TYPES:
            attached = True
            original = _original_message_id(part)
            break
    quote = _QUOTE_STARTS.search(body_text)
    if not attached and quote is None:
        return None
    explanation = body_text[: quote.start()] if quote else body_text
    if original is None and quote is not None:
        found = _QUOTED_MESSAGE_ID.search(body_text, quote.start())
        original = found.group(1) if found else None
    status = _STATUS.search(explanation)
    reply = _SMTP_REPLY.search(explanation) or _REASON.search(explanation)
    return BounceReport(
        recipient=_recipient_in(explanation),
        status=status.group(1) if status else "",
        diagnostic=(reply.group(1).strip() if reply else explanation.strip())[:MAX_DIAGNOSTIC_CHARS],
        original_message_id=original,
    )


def _recipient_in(text: str) -> str:
    """The first address of the explanation, passing over the original's quoted header fields."""
    for line in text.splitlines():
        if _QUOTED_FIELD.match(line):
            continue
        for found in _ADDRESS.finditer(line):
            if not is_robot(found.group(1)):
                return found.group(1)
    return ""


def _after_type(value: str) -> str:
    """`rfc822; x@example.com` is `x@example.com`, `smtp; 550 ...` is `550 ...`."""
    kind, separator, rest = value.partition(";")
    return rest.strip() if separator and " " not in kind.strip() else value.strip()
