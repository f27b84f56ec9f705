"""The itsm service (schema `itsm`)."""
