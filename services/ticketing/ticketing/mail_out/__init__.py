"""What became of the e-mail of outbound comments (`mail.delivery.*` from the mail gateway)."""
