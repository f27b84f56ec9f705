"""Webhooks: where a request may go (addresses.py), how it is signed (signing.py)."""
