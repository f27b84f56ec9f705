"""Email in (seed 10.4, 10.6): inbound messages become replies on their ticket, or new tickets."""
