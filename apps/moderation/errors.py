"""Errors of reports and moderation, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class ReportTargetNotFound(NotFound):
    # Also for a target the reporter cannot see (a private article): its existence is not told.
    code = "report_target_not_found"
    default_detail = "There is nothing to report with this type and id."


class AlreadyReported(Conflict):
    code = "already_reported"
    default_detail = "You have an open report on this already; moderators will look at it."


class CannotReportOwn(ValidationFailed):
    code = "cannot_report_own"
    default_detail = "You cannot report your own content or account."


class ModerationDenied(PermissionDenied):
    code = "moderation_denied"
    default_detail = "Only moderators may do this."


class ActionNotApplicable(ValidationFailed):
    # Taking down a user, restoring a deleted comment, suspending for zero days ...
    code = "action_not_applicable"
    default_detail = "This action does not apply to this target."
