"""The module settings: Ticket System Enabled, the ticket number prefix, blocked file extensions."""
