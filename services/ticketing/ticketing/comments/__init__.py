"""The conversation of a ticket: internal notes, outbound replies, inbound messages."""
