"""Errors of follows, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError, NotFound


class CannotFollowSelf(ApplicationError):
    status_code = 400
    code = "cannot_follow_self"
    default_detail = "You cannot follow yourself."


class FolloweeNotFound(NotFound):
    # A deactivated user too: following them must not reveal that the account exists.
    code = "not_found"
    default_detail = "User not found."


class TagNotFound(NotFound):
    code = "tag_not_found"
    default_detail = "No tag has this name."
