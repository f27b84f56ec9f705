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


class UpstreamClosedBeforeAnswer(HelpdeskError):
    """A kept-alive connection closed under a request that must not be sent twice, before any answer:
    whether the service acted on it is unknown, so the caller decides whether to send it again."""

    status_code = 503
    problem_type = "urn:helpdesk:problem:upstream-closed-before-answer"
    title = "Service closed the connection, try again"


class UpstreamTimeout(HelpdeskError):
    status_code = 504
    problem_type = "urn:helpdesk:problem:upstream-timeout"
    title = "Gateway timeout"
