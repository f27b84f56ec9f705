"""Turning a raw message into what ticketing needs (`InboundMail`): a pure parser, and the worker
role that runs it on stored messages."""
