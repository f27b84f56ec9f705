"""The proxy's own failures, answered as problem details by the app's one handler."""

from __future__ import annotations

from helpdesk_common.errors import HelpdeskError, NotFound


class UnknownService(NotFound):
    problem_type = "urn:helpdesk:problem:unknown-service"


class UpstreamNotConfigured(HelpdeskError):
    status_code = 503
    problem_type = "urn:helpdesk:problem:upstream-not-configured"
    title = "Service not available"


class UpstreamUnavailable(HelpdeskError):
    """The service refused the connection, dropped it or answered something that is not HTTP."""

    status_code = 502
    problem_type = "urn:helpdesk:problem:upstream-unavailable"
    title = "Bad gateway"


class UpstreamTimeout(HelpdeskError):
    status_code = 504
    problem_type = "urn:helpdesk:problem:upstream-timeout"
    title = "Gateway timeout"
