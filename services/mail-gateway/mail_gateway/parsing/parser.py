"""The parser: raw bytes, the blocked extensions and the limits in; what ticketing needs out. Pure: no
database, no bus, no clock.

A stranger's message is read leniently (stdlib `email`, `policy.default`): every charset, and text
in a broken or unknown one is decoded with replacement characters rather than dropped, so a message
with a bad charset still becomes a ticket. Only the limits refuse a message (`LimitExceeded`).
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import Any

from helpdesk_common.bodies import html_to_text, sanitise_html
from helpdesk_common.contracts.mail import BounceReport, InboundAttachment, InboundMail
from helpdesk_common.files import is_blocked, safe_file_name
from mail_gateway.parsing.bounces import bounce_report
from mail_gateway.parsing.headers import (
    MAX_FIELD_CHARS,
    MAX_REFERENCES,
    decoded_text,
    first_address,
    message_ids,
    raw_field,
    repaired,
)
from mail_gateway.parsing.noise import automatic_reason

# Deeper nesting or more parts than any mail client makes: a message built to exhaust the parser.
MAX_DEPTH = 30
MAX_PARTS = 2000
# The fields the stdlib parses to walk a message, while it reads it and after; its parameter parser
# costs milliseconds per kilobyte, so their sum over all parts is bounded too.
STRUCTURE_FIELDS = frozenset(
    {"content-type", "content-disposition", "content-transfer-encoding", "content-id"}
)
# A part's own are cut shorter than other fields: a file name of 255 characters, RFC 2231-encoded, fits.
MAX_STRUCTURE_FIELD_CHARS = 2048
MAX_STRUCTURE_CHARS = 32 * 1024
# Messages are written in these when they do not say; an unknown name is read as the first that fits.
FALLBACK_CHARSETS = ("utf-8", "cp1252")
GENERATED_DOMAIN = "mail-gateway.invalid"


class ParseError(Exception):
    """The message cannot become an InboundMail; the words say why, for the administrator."""


class LimitExceeded(ParseError):
    pass


class _BoundedPolicy(EmailPolicy):
    """`policy.default`, with every field cut to MAX_FIELD_CHARS as it is read (References keep their
    end, where a thread's newest are) and a part's structural ones to MAX_STRUCTURE_FIELD_CHARS, before
    anything parses them, and the structural fields of all parts together bounded by
    `structure_budget` (one per parse: a list so that it can count down)."""

    structure_budget: list[int] | None = None
    # The stdlib parses a field again at every read (a part's Content-Type some ten times while the
    # message is walked): each is parsed once per message instead.
    parsed_fields: dict[tuple[str, str], Any] | None = None

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if self.parsed_fields is None or not isinstance(value, str):
            return super().header_fetch_parse(name, value)
        key = (name.lower(), value)
        found = self.parsed_fields.get(key)
        if found is None:
            found = self.parsed_fields[key] = self._parsed(name, value)
        return found

    def _parsed(self, name: str, value: str) -> Any:
        try:
            return super().header_fetch_parse(name, value)
        except Exception:
            # The stdlib's parser breaks on some malformed fields (an IndexError on RFC 2231
            # continuations cut short): the field's first word is kept, its parameters lost.
            return super().header_fetch_parse(name, value.split(";", 1)[0])

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        field = name.lower()
        if len(value) > MAX_FIELD_CHARS:
            value = value[-MAX_FIELD_CHARS:] if field == "references" else value[:MAX_FIELD_CHARS]
        if field in STRUCTURE_FIELDS and self.structure_budget is not None:
            value = value[:MAX_STRUCTURE_FIELD_CHARS]
            self.structure_budget[0] -= len(value)
            if self.structure_budget[0] < 0:
                raise LimitExceeded("The message's MIME headers are larger than any real message's.")
        return name, value


@dataclass(frozen=True)
class ParseLimits:
    max_message_bytes: int
    max_attachment_bytes: int
    max_attachments: int


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: str | None
    references: list[str]
    from_address: str
    from_name: str
    subject: str
    body_text: str
    body_html: str
    attachments: list[ParsedAttachment]
    blocked_attachments: list[str]
    automatic: str | None
    bounce: BounceReport | None

    def inbound(self, department_id: uuid.UUID, object_names: list[str]) -> InboundMail:
        """The event's data once the attachments are stored under `object_names` (in order)."""
        return InboundMail(
            department_id=department_id,
            message_id=self.message_id,
            in_reply_to=self.in_reply_to,
            references=self.references,
            from_address=self.from_address,
            from_name=self.from_name,
            subject=self.subject,
            body_text=self.body_text,
            body_html=self.body_html,
            attachments=[
                InboundAttachment(
                    name=attachment.name,
                    content_type=attachment.content_type,
                    size=len(attachment.data),
                    object_name=object_name,
                    content_id=attachment.content_id,
                )
                for attachment, object_name in zip(self.attachments, object_names, strict=True)
            ],
            blocked_attachments=self.blocked_attachments,
            automatic=self.automatic,
            bounce=self.bounce,
        )


@dataclass
class _Parts:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    seen: int = 0


def parse_message(
    raw: bytes, *, blocked_extensions: list[str] | tuple[str, ...], limits: ParseLimits
) -> ParsedMail:
    if len(raw) > limits.max_message_bytes:
        raise LimitExceeded(
            f"The message is {_size(len(raw))}, over the largest accepted "
            f"({_size(limits.max_message_bytes)})."
        )
    bounded = _BoundedPolicy(structure_budget=[MAX_STRUCTURE_CHARS], parsed_fields={})
    message = BytesParser(policy=bounded).parsebytes(raw)
    from_address, from_name = first_address(message, "From", "Sender", "Reply-To", "Return-Path")
    if not from_address:
        raise ParseError("The message names no sender address (From, Sender, Reply-To or Return-Path).")
    parts = _Parts()
    _collect(message, parts, blocked_extensions, limits, depth=0)
    body_html = sanitise_html("\n".join(parts.htmls)) if parts.htmls else ""
    body_text = "\n\n".join(text.strip("\n") for text in parts.texts) if parts.texts else ""
    if not body_text and body_html:
        body_text = html_to_text(body_html)
    own_id = message_ids(raw_field(message, "Message-ID"))
    in_reply_to = message_ids(raw_field(message, "In-Reply-To"))
    return ParsedMail(
        message_id=own_id[0] if own_id else generated_message_id(raw),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=message_ids(raw_field(message, "References", keep_end=True))[-MAX_REFERENCES:],
        from_address=from_address,
        from_name=from_name,
        subject=decoded_text(message, "Subject"),
        body_text=body_text,
        body_html=body_html,
        attachments=parts.attachments,
        blocked_attachments=parts.blocked,
        automatic=automatic_reason(message, from_address)
        or ("a report (multipart/report)" if message.get_content_type() == "multipart/report" else None),
        bounce=bounce_report(message, from_address, body_text),
    )


def generated_message_id(raw: bytes) -> str:
    """Stable for the same bytes, so a message without a Message-ID stored twice still lands once."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@{GENERATED_DOMAIN}>"


def _collect(
    part: Message,
    parts: _Parts,
    blocked_extensions: list[str] | tuple[str, ...],
    limits: ParseLimits,
    *,
    depth: int,
) -> None:
    parts.seen += 1
    if depth > MAX_DEPTH or parts.seen > MAX_PARTS:
        raise LimitExceeded(f"The message nests more than {MAX_DEPTH} levels or has over {MAX_PARTS} parts.")
    content_type = part.get_content_type()
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        if isinstance(payload, str):
            # Its boundary is broken or missing: what it holds is still the sender's text.
            parts.texts.append(repaired(payload))
            return
        for sub in payload:
            if isinstance(sub, Message):
                _collect(sub, parts, blocked_extensions, limits, depth=depth + 1)
        return
    if content_type in ("text/plain", "text/html") and _is_body(part):
        text = _text_of(part)
        (parts.texts if content_type == "text/plain" else parts.htmls).append(text)
        return
    if content_type in ("message/delivery-status", "message/global-delivery-status"):
        # Read by the bounce recognition; its fields mean nothing as a file.
        return
    _attachment(part, parts, blocked_extensions, limits)


def _is_body(part: Message) -> bool:
    return part.get_content_disposition() != "attachment" and not _file_name(part)


def _attachment(
    part: Message, parts: _Parts, blocked_extensions: list[str] | tuple[str, ...], limits: ParseLimits
) -> None:
    content_type = part.get_content_type()
    name = safe_file_name(_file_name(part) or _name_for(part, content_type, len(parts.attachments) + 1))
    if is_blocked(name, blocked_extensions):
        parts.blocked.append(name)
        return
    data = _bytes_of(part)
    if len(data) > limits.max_attachment_bytes:
        raise LimitExceeded(
            f"The attachment {name} is {_size(len(data))}, over the largest accepted "
            f"({_size(limits.max_attachment_bytes)})."
        )
    if len(parts.attachments) >= limits.max_attachments:
        raise LimitExceeded(f"The message has more than {limits.max_attachments} attachments.")
    content_ids = message_ids(raw_field(part, "Content-ID"))
    parts.attachments.append(
        ParsedAttachment(
            name=name,
            content_type=content_type,
            data=data,
            content_id=content_ids[0].strip("<>") if content_ids else None,
        )
    )


def _file_name(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        # A malformed Content-Disposition: the name is lost, the file is not.
        return None
    return (repaired(str(name)).strip() or None) if name else None


def _name_for(part: Message, content_type: str, number: int) -> str:
    """A name for a part that has none: a forwarded message by its subject, anything else by its type."""
    if content_type in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        subject = decoded_text(first, "Subject") if isinstance(first, Message) else ""
        return f"{subject[:100] or 'message'}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"part-{number}{extension}"


def _bytes_of(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes(policy=policy.compat32)
            except Exception:
                return bytes(str(inner[0]), "utf-8", "replace")
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _text_of(part: Message) -> str:
    data = _bytes_of(part)
    charset = _charset(part)
    # "us-ascii" is what clients declare by default, 8-bit text or not.
    if charset is not None and not (charset == "ascii" and not data.isascii()):
        return repaired(data.decode(charset, "replace"))
    for fallback in FALLBACK_CHARSETS:
        try:
            return repaired(data.decode(fallback))
        except UnicodeDecodeError:
            continue
    return repaired(data.decode(FALLBACK_CHARSETS[-1], "replace"))


def _charset(part: Message) -> str | None:
    """The part's charset when Python knows it as a text encoding, else None (the fallbacks decide)."""
    try:
        name = part.get_content_charset()
    except Exception:
        return None
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # `base64`, `rot13`, `zlib` are codecs too, but not of text.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB"
