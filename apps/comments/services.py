"""Writes of comments: create (root or reply) and delete a subtree.

Each write runs in one transaction that writes the comments, moves the article's
``comment_count`` and, for reviews, ``review_count`` and ``review_rating_sum`` (the interactions
app's stat row, with ``F()``, one UPDATE) and publishes the event through the outbox. Lock
order: the article's stat row (taken by the count UPDATE), then the thread's root row. The stat
row serialises one article's comment writes, so the counts are exact and a reply never lands
under a parent that a concurrent delete has just removed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.articles.rendering import derive_abstract, plain_text, render_markdown
from apps.comments.changes import comment_changes
from apps.comments.errors import CommentDeleteDenied, CommentNotFound, InvalidParent
from apps.comments.events import CommentCreated, CommentDeleted
from apps.comments.kinds import KindRequest, comment_kind_check, rebuttal_parent_check
from apps.comments.models import Comment, CommentKind
from apps.comments.policy import comment_links_check
from apps.interactions.comment_counts import (
    article_comment_count_add,
    article_stat_ensure,
    article_stat_lock,
)
from scholarnet.audit import staff_action_record
from scholarnet.events.payloads import publish_event

PREVIEW_LENGTH = 140


def _public_author_id(article_id: int) -> int:
    author_id = article_public_authors(article_ids=[article_id]).get(article_id)
    if author_id is None:
        raise ArticleNotFound()
    return author_id


def comment_create(
    *,
    user: Any,
    article_id: int,
    content: str,
    parent_id: int | None = None,
    kind: str = CommentKind.COMMENT,
    rating: int | None = None,
    confidence: int | None = None,
) -> Comment:
    """A comment on a public article, or a reply to one of its comments.

    ``kind`` types it (``apps.comments.kinds`` says who may post which); a review moves the
    article's review count and rating sum in the same transaction as its comment count.
    """
    article_author_id = _public_author_id(article_id)
    request = KindRequest(article_id, kind, rating, confidence, has_parent=parent_id is not None)
    comment_kind_check(user=user, article_author_id=article_author_id, request=request)
    html = render_markdown(content)
    comment_links_check(user_id=user.pk, content=content, content_html=html)
    article_stat_ensure(article_id=article_id)
    is_review = kind == CommentKind.REVIEW
    with transaction.atomic():
        comment_count = article_comment_count_add(
            article_id=article_id,
            delta=1,
            reviews=1 if is_review else 0,
            rating_sum=(rating or 0) if is_review else 0,
        )
        parent = _parent_locked(article_id=article_id, parent_id=parent_id)
        rebuttal_parent_check(kind=kind, parent_kind=None if parent is None else parent.kind)
        root_id = None if parent is None else (parent.root_id or parent.pk)
        comment = Comment.objects.create(
            article_id=article_id,
            author=user,
            root_id=root_id,
            parent=parent,
            content=content,
            content_html=html,
            kind=kind,
            rating=rating,
            confidence=confidence,
        )
        if root_id is not None:
            Comment.objects.filter(pk=root_id).update(reply_count=F("reply_count") + 1)
        publish_event(
            CommentCreated(
                comment_id=comment.pk,
                article_id=article_id,
                article_author_id=article_author_id,
                author_id=user.pk,
                root_id=root_id,
                parent_id=None if parent is None else parent.pk,
                parent_author_id=None if parent is None else parent.author_id,
                preview=derive_abstract(plain_text(html), max_length=PREVIEW_LENGTH),
                comment_count=comment_count,
                occurred_at=timezone.now(),
                kind=kind,
                rating=rating,
            )
        )
        comment_changes.invalidate_on_commit(article_id)
    return comment


def _parent_locked(*, article_id: int, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = Comment.objects.select_for_update().filter(pk=parent_id, article_id=article_id)
    found = parent.only("id", "root_id", "author_id", "kind").first()
    if found is None:
        raise InvalidParent()
    return found


def _can_delete(*, user: Any, comment: Comment, article_author_id: int) -> bool:
    return bool(
        user.pk in (comment.author_id, article_author_id) or getattr(user, "is_staff", False)
    )


def comment_delete(*, user: Any, comment_id: int) -> list[int]:
    """Delete a comment and its subtree; the ids deleted.

    Allowed for the comment's author, the article's author and moderators (staff). A comment on
    an article that is not public is ``CommentNotFound`` for everyone but moderators.
    """
    comment = Comment.objects.filter(pk=comment_id).only("id", "article_id", "author_id").first()
    if comment is None:
        raise CommentNotFound()
    article_author_id = article_public_authors(article_ids=[comment.article_id]).get(
        comment.article_id
    )
    if article_author_id is None and not user.is_staff:
        raise CommentNotFound()
    if not _can_delete(user=user, comment=comment, article_author_id=article_author_id or 0):
        raise CommentDeleteDenied()
    # A moderator deleting someone else's comment is a staff action: audited with its text.
    by_staff = user.pk not in (comment.author_id, article_author_id)
    return _subtree_delete(
        user=user, comment_id=comment_id, article_id=comment.article_id, audit=by_staff
    )


def _subtree_delete(
    *, user: Any, comment_id: int, article_id: int, audit: bool = False
) -> list[int]:
    article_stat_ensure(article_id=article_id)
    with transaction.atomic():
        article_stat_lock(article_id=article_id)  # the first lock, as in comment_create
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:  # deleted meanwhile (with an ancestor): nothing left to do
            return []
        ids = _subtree_ids(comment)
        if comment.root_id is not None:
            Comment.objects.filter(pk=comment.root_id).update(
                reply_count=F("reply_count") - len(ids)
            )
        ratings = _review_ratings(ids)
        _delete_bottom_up(ids)
        count = article_comment_count_add(
            article_id=article_id,
            delta=-len(ids),
            reviews=-len(ratings),
            rating_sum=-sum(ratings),
        )
        publish_event(
            CommentDeleted(
                comment_id=comment_id,
                article_id=article_id,
                deleted_ids=ids,
                deleted_by_id=user.pk,
                comment_count=count,
                occurred_at=timezone.now(),
            )
        )
        comment_changes.invalidate_on_commit(article_id)
        if audit:
            staff_action_record(
                actor=user,
                action="comment_delete",
                target_type="comment",
                target_id=comment_id,
                before={"author_id": comment.author_id, "content": comment.content, "ids": ids},
                after={"exists": False},
            )
    return ids


def _subtree_ids(comment: Comment) -> list[int]:
    """The comment and everything under it, ascending: one query for a root, one per level else."""
    if comment.root_id is None:
        thread = Comment.objects.filter(root_id=comment.pk).values_list("id", flat=True)
        return sorted([comment.pk, *thread])
    ids, level = [comment.pk], [comment.pk]
    while level:
        level = list(Comment.objects.filter(parent_id__in=level).values_list("id", flat=True))
        ids.extend(level)
    return sorted(ids)


def _review_ratings(ids: list[int]) -> list[int]:
    """The ratings of the reviews among ``ids``: what their delete takes out of the counts."""
    rows = Comment.objects.filter(pk__in=ids, kind=CommentKind.REVIEW)
    return [rating or 0 for rating in rows.values_list("rating", flat=True)]


def _delete_bottom_up(ids: list[int]) -> None:
    # One DELETE for the set; Django's collector orders it so no reply outlives its parent.
    Comment.objects.filter(pk__in=ids).delete()
