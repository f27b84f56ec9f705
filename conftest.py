"""Every test suite of the repository gets the real-infrastructure fixtures."""

pytest_plugins = ["helpdesk_common.testing.plugin"]
