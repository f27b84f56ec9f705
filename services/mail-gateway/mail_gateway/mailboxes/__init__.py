"""A department's mailbox: its settings (IMAP, SMTP, From, OAuth2, Auto-Reply, Follow-Up Reminder),
its health, the test actions, and the `Endpoint`s every connection starts from."""
