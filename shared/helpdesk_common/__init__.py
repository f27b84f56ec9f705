"""The helpdesk platform library: one import name for every service."""
