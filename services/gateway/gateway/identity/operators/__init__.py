"""Operators: the people who sign in, with their flags, roles and default department."""
