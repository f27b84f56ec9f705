"""The helpdesk command."""
