"""Domain errors. Raise these from services and selectors; the exception handler renders them.

Every error response has the same envelope: ``{"detail", "code", "extra"}``. The
``code`` is a stable, machine-readable string that clients may switch on; ``detail`` is for humans.
"""

from __future__ import annotations

from typing import Any


def error_payload(detail: str, code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The envelope itself, for code that answers errors without going through DRF."""
    return {"detail": detail, "code": code, "extra": extra or {}}


class ApplicationError(Exception):
    status_code: int = 400
    code: str = "bad_request"
    default_detail: str = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.code
        self.extra = extra or {}
        super().__init__(self.detail)


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "invalid"
    default_detail = "The request is not valid."

    def __init__(
        self,
        detail: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail, code=code, extra={"fields": fields} if fields else None)


class TooManyFields(ApplicationError):
    status_code = 400
    code = "too_many_fields"
    default_detail = "The request has too many query or form parameters."


class TooManyFiles(ApplicationError):
    status_code = 400
    code = "too_many_files"
    default_detail = "The request has too many uploaded files."


class RequestTooLarge(ApplicationError):
    # 400 as Django answers it: the body is refused before any view could name a field.
    status_code = 400
    code = "request_too_large"
    default_detail = "The request body is larger than the server accepts."


class InvalidHost(ApplicationError):
    status_code = 400
    code = "invalid_host"
    default_detail = "The Host header is not valid for this server."


class InvalidCursor(ApplicationError):
    status_code = 400
    code = "invalid_cursor"
    default_detail = "The cursor is not valid; start again from the first page."


class NotAuthenticated(ApplicationError):
    status_code = 401
    code = "not_authenticated"
    default_detail = "Authentication credentials were not provided or are not valid."


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"
    default_detail = "The request body is too large."


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"
    default_detail = "Too many requests. Try again later."

    def __init__(
        self, detail: str | None = None, *, retry_after: int, code: str | None = None
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, code=code, extra={"retry_after": self.retry_after})


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"
    default_detail = "The service is temporarily unavailable."
