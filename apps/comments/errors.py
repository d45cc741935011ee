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


class ReviewFieldsInvalid(ValidationFailed):
    # A review needs both scores; any other kind must carry neither.
    code = "review_fields_invalid"
    default_detail = (
        "A review needs a rating (1 to 10) and a confidence (1 to 5); other kinds take neither."
    )


class ReviewNotRoot(ValidationFailed):
    code = "review_not_root"
    default_detail = "Reviews and meta reviews start a thread: they cannot be replies."


class ReviewOwnArticle(PermissionDenied):
    code = "review_own_article"
    default_detail = "Authors cannot review their own article."


class RebuttalDenied(PermissionDenied):
    code = "rebuttal_denied"
    default_detail = "Only the article's author may post a rebuttal."


class RebuttalParentNotReview(ValidationFailed):
    code = "rebuttal_parent_not_review"
    default_detail = "A rebuttal must reply to a review."


class MetaReviewDenied(PermissionDenied):
    code = "meta_review_denied"
    default_detail = "Only moderators and the article's editors may post a meta review."


class EditorChangeDenied(PermissionDenied):
    code = "editor_change_denied"
    default_detail = "Only the article's author may invite or remove editors."


class EditorInvalid(ValidationFailed):
    code = "editor_invalid"
    default_detail = "That user cannot be an editor of this article (unknown, or the author)."
