"""Errors raised by verification codes, beyond the kernel's ``ValidationFailed``/``RateLimited``."""

from scholarnet.api.errors import ApplicationError


class CodeAttemptsExhausted(ApplicationError):
    """The code took too many wrong guesses and is dead; only a new code can succeed.

    400, not 429: waiting does not help (no ``Retry-After`` would be true), the client has to ask
    for a new code, which the resend guard allows at most once a minute.
    """

    status_code = 400
    code = "code_attempts_exhausted"
    default_detail = "Too many wrong attempts. Request a new code."
