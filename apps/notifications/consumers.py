"""The ``notifications`` consumer group: one handler per event that notifies someone.

Every handler is idempotent (``idempotent=True`` records the event id in the handler's
transaction, so a redelivered event makes no second notification). Retractions (an unlike, an
unfollow) notify nobody and take nothing back: the reader already saw it.
"""

from __future__ import annotations

from apps.articles.public import article_public_rows
from apps.comments.events import CommentCreated, CommentDeleted
from apps.follows.events import FollowChanged
from apps.interactions.events import CollectChanged, LikeChanged
from apps.notifications import services
from apps.notifications.models import NotificationKind
from apps.notifications.services import Target
from scholarnet.events import Event, consumer

GROUP = "notifications"


def _article_target(*, kind: str, article_id: int) -> Target | None:
    """The article's title and abstract; None when it is no longer public."""
    rows = article_public_rows(article_ids=[article_id])
    if not rows:
        return None
    return Target(
        group_key=f"{kind}:article:{article_id}",
        article_id=article_id,
        title=rows[0].title,
        preview=rows[0].abstract,
    )


@consumer(group=GROUP, topics=["like.changed"], idempotent=True)
def on_like_changed(event: Event) -> None:
    like = LikeChanged.from_event(event)
    target = _article_target(kind="like", article_id=like.article_id)
    if like.liked and target is not None:
        services.notification_add(
            recipient_id=like.author_id,
            actor_id=like.user_id,
            kind=NotificationKind.LIKE,
            target=target,
        )


@consumer(group=GROUP, topics=["collect.changed"], idempotent=True)
def on_collect_changed(event: Event) -> None:
    collect = CollectChanged.from_event(event)
    target = _article_target(kind="collect", article_id=collect.article_id)
    if collect.collected and collect.author_id is not None and target is not None:
        services.notification_add(
            recipient_id=collect.author_id,
            actor_id=collect.user_id,
            kind=NotificationKind.COLLECT,
            target=target,
        )


@consumer(group=GROUP, topics=["comment.created"], idempotent=True)
def on_comment_created(event: Event) -> None:
    """A root comment notifies the article's author; a reply, the parent comment's author."""
    comment = CommentCreated.from_event(event)
    article = _article_target(kind="comment", article_id=comment.article_id)
    if article is None:
        return
    reply = comment.parent_author_id is not None
    services.notification_add(
        recipient_id=comment.parent_author_id if reply else comment.article_author_id,  # type: ignore[arg-type]
        actor_id=comment.author_id,
        kind=NotificationKind.REPLY if reply else NotificationKind.COMMENT,
        target=Target(
            group_key=f"comment:{comment.comment_id}",
            article_id=comment.article_id,
            comment_id=comment.comment_id,
            title=article.title,
            preview=comment.preview,
        ),
    )


@consumer(group=GROUP, topics=["comment.deleted"], idempotent=True)
def on_comment_deleted(event: Event) -> None:
    deleted = CommentDeleted.from_event(event)
    services.notifications_of_comments_forget(comment_ids=deleted.deleted_ids)


@consumer(group=GROUP, topics=["follow.changed"], idempotent=True)
def on_follow_changed(event: Event) -> None:
    follow = FollowChanged.from_event(event)
    if follow.following:
        services.notification_add(
            recipient_id=follow.followee_id,
            actor_id=follow.follower_id,
            kind=NotificationKind.FOLLOW,
            target=Target(group_key="follow"),
        )


# moderation.action's and reward.changed's handlers live in modules of their own; importing them
# here registers them.
from apps.notifications import moderation_consumers, reward_consumers  # noqa: E402, F401
