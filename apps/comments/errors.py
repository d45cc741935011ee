"""Errors of comments, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import NotFound, PermissionDenied, ValidationFailed


class CommentNotFound(NotFound):
    code = "comment_not_found"
    default_detail = "Comment not found."


class InvalidParent(ValidationFailed):
    # A parent on another article, or one deleted since the reader loaded the page.
    code = "invalid_parent"
    default_detail = "The parent comment does not exist on this article."


class CommentDeleteDenied(PermissionDenied):
    code = "comment_delete_denied"
    default_detail = "Only the comment's author, the article's author or a moderator may delete it."


class CommentLinksNotAllowed(ValidationFailed):
    # New accounts (trust level 0) may not post links: the spammer's first move.
    code = "comment_links_not_allowed"
    default_detail = "New accounts cannot post links in comments yet."
