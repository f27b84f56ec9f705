"""The MIME message of one outbound mail: From the department's mailbox, text and HTML alternatives,
our Message-ID and the thread's In-Reply-To/References, the attachments."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from helpdesk_common.contracts.mail import OutboundAttachment, OutboundMail


def build_message(
    mail: OutboundMail,
    *,
    from_address: str,
    from_name: str,
    attachments: list[tuple[OutboundAttachment, bytes]],
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(display_name=_one_line(from_name), addr_spec=from_address)
    message["To"] = ", ".join(mail.to)
    message["Subject"] = _one_line(mail.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = " ".join(mail.references)
    if mail.automatic:
        # RFC 3834: a person's reply carries none, so a customer's auto-responder still answers it.
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    for attachment, data in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=_one_line(attachment.name),
        )
    return message


def _one_line(value: str) -> str:
    """A header never takes a line break from its value (header injection)."""
    return " ".join(value.split())
