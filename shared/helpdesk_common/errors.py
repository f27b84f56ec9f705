"""The one error base class; every domain error subclasses it and becomes RFC 9457 problem details."""

from __future__ import annotations

from typing import Any, ClassVar


class HelpdeskError(Exception):
    """A domain error with the HTTP status and problem type it is answered with."""

    status_code: ClassVar[int] = 400
    problem_type: ClassVar[str] = "about:blank"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions
        self.headers = headers or {}


class NotFound(HelpdeskError):
    status_code = 404
    problem_type = "urn:helpdesk:problem:not-found"
    title = "Not found"


class Conflict(HelpdeskError):
    status_code = 409
    problem_type = "urn:helpdesk:problem:conflict"
    title = "Conflict"


class ValidationFailed(HelpdeskError):
    """422 naming the field that is wrong (`field` travels as a problem extension)."""

    status_code = 422
    problem_type = "urn:helpdesk:problem:validation"
    title = "Validation failed"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, errors=[{"field": field, "message": detail}])


class Unauthenticated(HelpdeskError):
    status_code = 401
    problem_type = "urn:helpdesk:problem:unauthenticated"
    title = "Authentication required"


class PermissionMissing(HelpdeskError):
    status_code = 403
    problem_type = "urn:helpdesk:problem:permission-missing"
    title = "Permission missing"

    def __init__(self, flag: str, *alternatives: str) -> None:
        """`flag`, or when any of several would do (`alternatives`), all of them (`any_of`)."""
        if not alternatives:
            super().__init__(f"This action needs the permission flag '{flag}'.", flag=flag)
            return
        named = ", ".join(f"'{each}'" for each in (flag, *alternatives))
        super().__init__(
            f"This action needs one of the permission flags {named}.",
            flag=flag,
            any_of=[flag, *alternatives],
        )


class Forbidden(HelpdeskError):
    status_code = 403
    problem_type = "urn:helpdesk:problem:forbidden"
    title = "Forbidden"


class PayloadTooLarge(HelpdeskError):
    status_code = 413
    problem_type = "urn:helpdesk:problem:payload-too-large"
    title = "Payload too large"
