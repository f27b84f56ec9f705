"""Pytest fixtures that give tests real NATS (JetStream) and PostgreSQL; never mocks, never skips."""
