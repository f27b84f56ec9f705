"""Sending `mail.outbound.*` through each department's SMTP server, with a delivery state per message
(docs/architecture.md, "Mail gateway: sending")."""
