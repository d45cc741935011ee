"""Errors of attachments, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    default_detail = "Attachment not found."


class AttachmentDenied(PermissionDenied):
    code = "attachment_denied"
    default_detail = "Only the article's author may attach or delete files."


class AttachmentTooLarge(ApplicationError):
    status_code = 413
    code = "attachment_too_large"
    default_detail = "The file is larger than attachments may be."


class UnsupportedMediaType(ApplicationError):
    # Judged by the bytes, never by the name or the declared type.
    status_code = 415
    code = "unsupported_media_type"
    default_detail = "Only PDF files can be attached."


class AttachmentMissing(ValidationFailed):
    code = "attachment_missing"
    default_detail = "Send the PDF as the multipart field `file`."


class AttachmentLimitReached(ValidationFailed):
    code = "attachment_limit_reached"
    default_detail = "This article has as many attachments as it may have."
