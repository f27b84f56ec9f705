"""The identity domain's errors."""

from helpdesk_common.errors import HelpdeskError, NotFound, ValidationFailed


class OperatorNotFound(NotFound):
    pass


class RoleNotFound(NotFound):
    pass


class TokenNotFound(NotFound):
    pass


class SignInFailed(HelpdeskError):
    """The same answer for an unknown user, a wrong password and a disabled account."""

    status_code = 401
    problem_type = "urn:helpdesk:problem:sign-in-failed"
    title = "Sign-in failed"

    def __init__(self) -> None:
        super().__init__("The username or password is wrong.")


class TooManyAttempts(HelpdeskError):
    status_code = 429
    problem_type = "urn:helpdesk:problem:too-many-attempts"
    title = "Too many failed sign-ins"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many failed sign-ins; try again in {retry_after_seconds} seconds.",
            headers={"Retry-After": str(retry_after_seconds)},
            retry_after=retry_after_seconds,
        )


class UnknownFlag(ValidationFailed):
    def __init__(self, field: str, flag: str) -> None:
        super().__init__(field, f"'{flag}' is not a permission flag (see GET /api/permissions).")
