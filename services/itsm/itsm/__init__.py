"""The itsm service."""
