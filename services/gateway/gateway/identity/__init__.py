"""Operators, roles, permission flags, sessions and API tokens: who is calling the platform."""
