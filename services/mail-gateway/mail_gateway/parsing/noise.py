"""Mail sent by machines (issue 16, part 4): recognised by its headers or its sender, so that no
auto-reply answers it and no two robots answer each other for ever. Our own From addresses are
checked by the auto-reply, which knows them."""

from __future__ import annotations

from email.message import Message

from mail_gateway.parsing.headers import has_field, raw_field

BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
# Mailing lists (RFC 2369, RFC 2919) and the vendor headers of vacation responders.
MARKER_FIELDS = ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond")
ROBOT_MAILBOXES = frozenset({"mailer-daemon", "postmaster"})


def automatic_reason(message: Message, from_address: str) -> str | None:
    """Why the message is automatic (the field and its value, or the sender), or None."""
    submitted = (raw_field(message, "Auto-Submitted") or "").split(";", 1)[0].strip().lower()
    # RFC 3834: any value other than "no" marks an automatic message.
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = (raw_field(message, "Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in MARKER_FIELDS:
        if has_field(message, name):
            return f"{name} header"
    if is_robot(from_address):
        return f"sender {from_address.lower()}"
    return None


def is_robot(address: str) -> bool:
    return address.rpartition("@")[0].strip().lower() in ROBOT_MAILBOXES
