"""What the mail gateway sends on its own: the auto-reply to a new ticket from e-mail (seed 10.10)."""
