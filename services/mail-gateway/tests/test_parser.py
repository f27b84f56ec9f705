"""The parser over hostile and odd messages (issue 16, parts 3 and 4): every charset decoded, bad ones
with replacement; HTML sanitised with a text fallback; inline images kept; blocked extensions
stripped and named; limits; threading headers; automatic mail and bounces recognised. And every
message of CPython's own e-mail test data, when the installed Python has it."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import test as cpython_tests

from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from mail_gateway.inbound.store import scan_message_id
from mail_gateway.parsing.parser import (
    LimitExceeded,
    ParsedMail,
    ParseError,
    ParseLimits,
    generated_message_id,
    parse_message,
)

LIMITS = ParseLimits(max_message_bytes=8 * 1024 * 1024, max_attachment_bytes=256 * 1024, max_attachments=5)
CPYTHON_EMAIL_DATA = Path(cpython_tests.__file__).parent / "test_email" / "data"


def parse(raw: bytes, limits: ParseLimits = LIMITS) -> ParsedMail:
    return parse_message(raw, blocked_extensions=DEFAULT_BLOCKED_EXTENSIONS, limits=limits)


def message(*headers: str, body: str | bytes = "Hello.", content_type: str | None = None) -> bytes:
    head = ["From: Wile E. Coyote <wile@acme.example>", "To: desk@ours.example", *headers]
    if content_type:
        head += ["MIME-Version: 1.0", f"Content-Type: {content_type}"]
    if not any(line.lower().startswith("message-id:") for line in headers):
        head.append("Message-ID: <m1@acme.example>")
    raw_body = body if isinstance(body, bytes) else body.encode()
    return "\r\n".join(head).encode() + b"\r\n\r\n" + raw_body


def multipart(subtype: str, *parts: bytes, boundary: str = "BOUNDARY") -> tuple[str, bytes]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return f'multipart/{subtype}; boundary="{boundary}"', body + b"--" + boundary.encode() + b"--\r\n"


def part(content_type: str, body: bytes | str, *headers: str) -> bytes:
    data = body if isinstance(body, bytes) else body.encode()
    return "\r\n".join([f"Content-Type: {content_type}", *headers]).encode() + b"\r\n\r\n" + data


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


@dataclass
class Case:
    name: str
    raw: bytes
    expect: dict[str, Any] = field(default_factory=dict)
    text_contains: tuple[str, ...] = ()
    html_lacks: tuple[str, ...] = ()
    html_contains: tuple[str, ...] = ()


def _mixed_with_exe() -> bytes:
    content_type, body = multipart(
        "mixed",
        part("text/plain; charset=utf-8", "See attached."),
        part(
            "application/octet-stream",
            b64(b"MZ\x90\x00"),
            'Content-Disposition: attachment; filename="invoice.pdf.exe"',
            "Content-Transfer-Encoding: base64",
        ),
        part(
            "application/pdf",
            b64(b"%PDF-1.4"),
            'Content-Disposition: attachment; filename="invoice.pdf"',
            "Content-Transfer-Encoding: base64",
        ),
    )
    return message("Subject: Invoice", content_type=content_type, body=body)


def _related_with_cid_image() -> bytes:
    alternative, alternative_body = multipart(
        "alternative",
        part("text/plain; charset=us-ascii", "Logo below"),
        part("text/html; charset=us-ascii", '<p>Logo below</p><img src="cid:logo@acme" alt="logo">'),
        boundary="ALT",
    )
    related, related_body = multipart(
        "related",
        f"Content-Type: {alternative}".encode() + b"\r\n\r\n" + alternative_body,
        part(
            "image/png",
            b64(b"\x89PNG\r\n"),
            "Content-ID: <logo@acme>",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: inline",
        ),
        boundary="REL",
    )
    return message("Subject: Nested", content_type=related, body=related_body)


DSN = message(
    "Subject: Undelivered Mail Returned to Sender",
    body=(
        b"--B\r\nContent-Type: text/plain\r\n\r\n"
        b"I'm sorry to have to inform you that your message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\n"
        b"Final-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: Recipient address\r\n"
        b" rejected: User unknown\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <reply-1@ours.example>\r\nSubject: Re: [TKT-000001] Printer\r\n\r\n"
        b"--B--\r\n"
    ),
    content_type='multipart/report; report-type=delivery-status; boundary="B"',
).replace(
    b"From: Wile E. Coyote <wile@acme.example>",
    b"From: MAILER-DAEMON@mx.customer.example (Mail Delivery System)",
)

EXIM_BOUNCE = (
    b"From: Mail Delivery System <Mailer-Daemon@mail.customer.example>\r\nTo: desk@ours.example\r\n"
    b"Subject: Mail delivery failed: returning message to sender\r\n"
    b"Message-ID: <b2@mail.customer.example>\r\n\r\n"
    b"This message was created automatically by mail delivery software.\r\n\r\n"
    b"A message that you sent could not be delivered to one or more of its\r\n"
    b"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
    b"  nobody@customer.example\r\n    host mx.customer.example [192.0.2.1]\r\n"
    b"    SMTP error from remote mail server after RCPT TO:<nobody@customer.example>:\r\n"
    b"    550 5.1.1 User unknown\r\n\r\n"
    b"------ This is a copy of the message, including all the headers. ------\r\n\r\n"
    b"Message-ID: <reply-2@ours.example>\r\nSubject: Re: [TKT-000002] VPN\r\n\r\nWe are on it.\r\n"
)

CASES = [
    Case(
        "plain ascii",
        message("Subject: Printer"),
        {"subject": "Printer", "body_text": "Hello.", "body_html": ""},
    ),
    Case(
        "rfc 2047 subject and sender name",
        message("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_?= =?iso-8859-1?b?ZvxyIGRpY2g=?=").replace(
            b"Wile E. Coyote", b"=?utf-8?q?J=C3=BCrgen_M=C3=BCller?="
        ),
        {"subject": "Grüße für dich", "from_name": "Jürgen Müller", "from_address": "wile@acme.example"},
    ),
    Case(
        "8-bit utf-8 headers",
        message("Subject: Café crème").replace(b"Wile E. Coyote", "Zoë".encode()),
        {"subject": "Café crème", "from_name": "Zoë"},
    ),
    Case(
        "8-bit latin-1 header",
        message("Subject: x").replace(b"Subject: x", "Subject: café".encode("latin-1")),
        {"subject": "café"},
    ),
    Case(
        "a charset nobody knows",
        message(body="ol\xe9".encode("latin-1"), content_type="text/plain; charset=x-no-such-charset"),
        {"body_text": "olé"},
    ),
    Case(
        "a non-text codec named as charset",
        message(body=b"aGVsbG8=", content_type="text/plain; charset=base64"),
        {"body_text": "aGVsbG8="},
    ),
    Case(
        "bytes invalid in their declared charset",
        message(body=b"broken \xff\xfe utf-8", content_type="text/plain; charset=utf-8"),
        {"body_text": "broken \ufffd\ufffd utf-8"},
    ),
    Case(
        "undeclared 8-bit text declared us-ascii",
        message(body="naïve".encode(), content_type="text/plain; charset=us-ascii"),
        {"body_text": "naïve"},
    ),
    Case(
        "iso-2022-jp",
        message(body="日本語".encode("iso-2022-jp"), content_type="text/plain; charset=iso-2022-jp"),
        {"body_text": "日本語"},
    ),
    Case(
        "quoted-printable windows-1252",
        message(body=b"5 =80 only", content_type="text/plain; charset=windows-1252").replace(
            b"MIME-Version: 1.0", b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable"
        ),
        {"body_text": "5 € only"},
    ),
    Case(
        "missing Message-ID",
        b"From: a@b.example\r\nSubject: none\r\n\r\nbody",
        {"message_id": generated_message_id(b"From: a@b.example\r\nSubject: none\r\n\r\nbody")},
    ),
    Case(
        "threading headers",
        message(
            "Message-ID: <own@acme.example>",
            "In-Reply-To: <sent-2@ours.example>",
            "References: <sent-1@ours.example>\r\n <sent-2@ours.example>",
        ),
        {
            "message_id": "<own@acme.example>",
            "in_reply_to": "<sent-2@ours.example>",
            "references": ["<sent-1@ours.example>", "<sent-2@ours.example>"],
        },
    ),
    Case(
        "NUL bytes everywhere",
        message("Subject: a\x00b", body=b"x\x00y"),
        {"subject": "ab", "body_text": "xy"},
    ),
    Case(
        "hostile html only",
        message(
            body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(2)">click</a>'
            '<img src="https://tracker.example/p.gif" alt="logo"><iframe src="//evil"></iframe></p>',
            content_type="text/html; charset=utf-8",
        ),
        {},
        text_contains=("Hi", "click", "[logo]"),
        html_lacks=("script", "javascript:", "onclick", "tracker.example", "iframe", "alert(1)"),
    ),
    Case(
        "huge header lines",
        message("Subject: " + "=?utf-8?q?x?= " * 200_000, "References: " + "<r@x> " * 200_000),
        {"references": ["<r@x>"] * 50},
    ),
    Case(
        "no From but a Sender",
        b"Sender: robot@acme.example\r\nSubject: s\r\n\r\nb",
        {"from_address": "robot@acme.example"},
    ),
    Case(
        "Auto-Submitted",
        message("Auto-Submitted: auto-replied"),
        {"automatic": "Auto-Submitted: auto-replied"},
    ),
    Case("Auto-Submitted: no", message("Auto-Submitted: no"), {"automatic": None}),
    Case("Precedence: bulk", message("Precedence: bulk"), {"automatic": "Precedence: bulk"}),
    Case("Precedence: junk", message("Precedence: junk"), {"automatic": "Precedence: junk"}),
    Case("Precedence: list", message("Precedence: list"), {"automatic": "Precedence: list"}),
    Case("List-Id", message("List-Id: <news.acme.example>"), {"automatic": "List-Id header"}),
    Case(
        "List-Unsubscribe",
        message("List-Unsubscribe: <mailto:u@acme.example>"),
        {"automatic": "List-Unsubscribe header"},
    ),
    Case("X-Autoreply", message("X-Autoreply: yes"), {"automatic": "X-Autoreply header"}),
    Case("X-Autorespond", message("X-Autorespond: on"), {"automatic": "X-Autorespond header"}),
    Case(
        "postmaster sender",
        message().replace(b"Wile E. Coyote <wile@acme.example>", b"postmaster@acme.example"),
        {"automatic": "sender postmaster@acme.example", "bounce": None},
    ),
    Case(
        "mailer-daemon sender",
        message().replace(b"Wile E. Coyote <wile@acme.example>", b"MAILER-DAEMON@acme.example"),
        {"automatic": "sender mailer-daemon@acme.example", "bounce": None},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_messages_parse_as_expected(case: Case) -> None:
    parsed = parse(case.raw)
    for name, value in case.expect.items():
        assert getattr(parsed, name) == value, name
    for text in case.text_contains:
        assert text in parsed.body_text
    for text in case.html_lacks:
        assert text not in parsed.body_html
    for text in case.html_contains:
        assert text in parsed.body_html
    # Whatever came in, what goes out can be written as JSON and stored in PostgreSQL.
    event = parsed.inbound(uuid.uuid4(), [f"o{i}" for i in range(len(parsed.attachments))])
    assert "\x00" not in event.model_dump_json()
    event.model_dump_json().encode("utf-8")


def test_huge_header_lines_are_read_in_bounded_time() -> None:
    started = time.perf_counter()
    parse(message("Subject: " + "=?utf-8?q?x?= " * 200_000))
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "parameters",
    [
        "a=b; " * 400_000,
        'name="' + "=?utf-8?q?x?= " * 150_000 + '"',
        "".join(f"name*{i}=x; " for i in range(200_000)),
    ],
    ids=["many parameters", "encoded words", "rfc 2231 continuations"],
)
def test_huge_mime_fields_of_a_part_are_read_in_bounded_time(parameters: str) -> None:
    content_type, body = multipart(
        "mixed",
        part(f"application/pdf; {parameters}", b"%PDF", f"Content-Disposition: attachment; {parameters}"),
    )
    started = time.perf_counter()
    parsed = parse(message(content_type=content_type, body=body))
    assert time.perf_counter() - started < 2.0
    assert [attachment.data for attachment in parsed.attachments] == [b"%PDF"]


def test_mime_fields_adding_up_beyond_any_real_message_are_refused() -> None:
    content_type, body = multipart("mixed", *[part("text/plain; " + "a=b; " * 400, "x")] * 40)
    with pytest.raises(LimitExceeded, match="MIME headers are larger"):
        parse(message(content_type=content_type, body=body))


def test_a_message_of_more_parts_than_any_real_one_is_refused() -> None:
    content_type, body = multipart("mixed", *[part("text/plain", "x")] * 2500)
    with pytest.raises(LimitExceeded, match="over 2000 parts"):
        parse(message(content_type=content_type, body=body))


def test_a_blocked_attachment_is_stripped_and_named_and_the_rest_kept() -> None:
    parsed = parse(_mixed_with_exe())
    assert parsed.blocked_attachments == ["invoice.pdf.exe"]
    assert [(a.name, a.content_type, a.data) for a in parsed.attachments] == [
        ("invoice.pdf", "application/pdf", b"%PDF-1.4")
    ]
    assert parsed.body_text == "See attached."


def test_nested_multiparts_keep_the_inline_cid_image_as_an_attachment_and_its_reference() -> None:
    parsed = parse(_related_with_cid_image())
    assert parsed.body_text == "Logo below"
    assert 'src="cid:logo@acme"' in parsed.body_html
    [image] = parsed.attachments
    assert (image.content_type, image.content_id, image.data) == ("image/png", "logo@acme", b"\x89PNG\r\n")
    assert image.name.endswith(".png")


def test_html_without_a_text_part_gets_a_text_rendering_and_text_alone_no_html() -> None:
    assert parse(message(body="<p>One</p><p>Two</p>", content_type="text/html")).body_text == "One\n\nTwo"
    assert parse(message(body="Just text")).body_html == ""


def test_a_forwarded_message_is_an_attachment_named_by_its_subject() -> None:
    inner = b"From: x@y.example\r\nSubject: Original\r\n\r\ninner body"
    content_type, body = multipart("mixed", part("text/plain", "FYI"), part("message/rfc822", inner))
    parsed = parse(message(content_type=content_type, body=body))
    [forwarded] = parsed.attachments
    assert forwarded.name == "Original.eml" and b"inner body" in forwarded.data


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        (ParseLimits(max_message_bytes=100, max_attachment_bytes=10**6, max_attachments=5), "The message is"),
        (
            ParseLimits(max_message_bytes=10**6, max_attachment_bytes=4, max_attachments=5),
            "The attachment invoice.pdf is",
        ),
        (
            ParseLimits(max_message_bytes=10**6, max_attachment_bytes=10**6, max_attachments=0),
            "more than 0 attachments",
        ),
    ],
)
def test_limits_refuse_the_message_in_words(limits: ParseLimits, words: str) -> None:
    with pytest.raises(LimitExceeded, match=words):
        parse(_mixed_with_exe(), limits)


def test_a_message_nested_beyond_reason_is_refused() -> None:
    inner = part("text/plain", "deep")
    for depth in range(40):
        content_type, body = multipart("mixed", inner, boundary=f"B{depth}")
        inner = f"Content-Type: {content_type}".encode() + b"\r\n\r\n" + body
    with pytest.raises(LimitExceeded, match="nests more than"):
        parse(message(body=inner.split(b"\r\n\r\n", 1)[1], content_type=content_type))


def test_a_message_with_no_sender_at_all_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no sender"):
        parse(b"Subject: who\r\n\r\nbody")


def test_a_delivery_status_notification_is_a_bounce_with_its_recipient_status_words_and_original() -> None:
    parsed = parse(DSN)
    assert parsed.bounce is not None
    assert parsed.bounce.recipient == "gone@customer.example"
    assert (parsed.bounce.action, parsed.bounce.status) == ("failed", "5.1.1")
    assert (
        parsed.bounce.diagnostic
        == "550 5.1.1 <gone@customer.example>: Recipient address rejected: User unknown"
    )
    assert parsed.bounce.original_message_id == "<reply-1@ours.example>"
    assert parsed.automatic is not None


def test_a_mailer_daemon_report_of_its_own_words_with_the_original_quoted_is_a_bounce() -> None:
    parsed = parse(EXIM_BOUNCE)
    assert parsed.bounce is not None
    assert parsed.bounce.recipient == "nobody@customer.example"
    assert parsed.bounce.status == "5.1.1"
    assert parsed.bounce.diagnostic == "550 5.1.1 User unknown"
    assert parsed.bounce.original_message_id == "<reply-2@ours.example>"
    assert parsed.automatic == "sender mailer-daemon@mail.customer.example"


def test_a_mailer_daemon_report_with_the_original_attached_is_a_bounce() -> None:
    original = b"Message-ID: <reply-3@ours.example>\r\nSubject: Re: x\r\n\r\nhello"
    content_type, body = multipart(
        "mixed",
        part(
            "text/plain",
            "Delivery to the following recipient failed permanently:\r\n\r\n"
            "     lost@customer.example\r\n\r\n554 5.7.1 Rejected",
        ),
        part("message/rfc822", original),
    )
    raw = message(content_type=content_type, body=body).replace(
        b"Wile E. Coyote <wile@acme.example>", b"mailer-daemon@googlemail.com"
    )
    parsed = parse(raw)
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.status) == ("lost@customer.example", "5.7.1")
    assert parsed.bounce.original_message_id == "<reply-3@ours.example>"


CPYTHON_MESSAGES = sorted(CPYTHON_EMAIL_DATA.glob("msg_*.txt")) if CPYTHON_EMAIL_DATA.is_dir() else []


@pytest.mark.skipif(
    not CPYTHON_MESSAGES, reason=f"this Python has no e-mail test data at {CPYTHON_EMAIL_DATA}"
)
def test_every_message_of_cpython_s_email_test_data_parses_or_is_refused_in_words() -> None:
    parsed, refused = 0, []
    for path in CPYTHON_MESSAGES:
        try:
            result = parse(path.read_bytes(), ParseLimits(10**8, 10**8, 1000))
        except ParseError as error:
            refused.append((path.name, str(error)))
            continue
        result.inbound(uuid.uuid4(), ["o"] * len(result.attachments)).model_dump_json()
        parsed += 1
    assert parsed >= len(CPYTHON_MESSAGES) - len(refused) and parsed > 0
    # Refusals are the messages that name no sender at all; nothing else may refuse.
    assert all("no sender" in words for _, words in refused), refused


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"From: a@b\r\nMessage-ID: <x@y>\r\n\r\nbody", "<x@y>"),
        (b"message-id:\r\n <folded@y>\r\nSubject: s\r\n\r\n", "<folded@y>"),
        (b"From: a@b\r\n\r\nMessage-ID: <in-the-body@y>\r\n", None),
        (b"Message-ID: <nul\x00@y>\n\nbody", "<nul@y>"),
        (b"Message-ID:   \r\n\r\n", None),
        (b"Message-ID: <\xff\xfe@y>\r\n\r\n", "<\ufffd\ufffd@y>"),
    ],
)
def test_the_store_reads_the_message_id_from_the_header_block_only(raw: bytes, expected: str | None) -> None:
    assert scan_message_id(raw) == expected
