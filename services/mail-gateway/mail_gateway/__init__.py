"""The mail-gateway service (schema `mail`)."""
