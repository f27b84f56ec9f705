"""The mail-gateway service."""
