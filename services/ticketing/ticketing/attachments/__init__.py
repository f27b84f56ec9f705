"""Attachments: bytes in a JetStream object store bucket, their description in ticketing."""
