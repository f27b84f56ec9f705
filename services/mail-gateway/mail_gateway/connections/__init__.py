"""Connections to a department's mail servers: IMAP (imap.py), SMTP (smtp.py), OAuth2 access tokens
(oauth.py), all from one `Endpoint` (endpoint.py)."""
