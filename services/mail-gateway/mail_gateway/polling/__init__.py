"""IMAP ingestion (the `poller` role): each enabled mailbox held by one poller at a time through a
lease, its new messages stored raw with the cursor before anything else, flagged on the server only
once their events are in JetStream."""
