"""``moderation.action`` in the ``notifications`` group: the author hears what a moderator did
to their content, and why.

A take-down or a restore of an article or a comment notifies its author, one row per action
(``moderation:<audit id>``, never aggregated), with the moderator's reason as the preview.
Suspensions notify nobody here: the account is closed and cannot read notifications.

A comment is deleted by its take-down, and notifications of deleted comments are dropped
(``comment.deleted``: their text must not outlive them). The notice about a comment therefore
names no comment and carries none of its text, only the article (its title while public), so
it survives the deletion whichever of the two events is handled first.
"""

from __future__ import annotations

from apps.articles.public import article_public_rows
from apps.moderation.events import ModerationAction
from apps.notifications import services
from apps.notifications.consumers import GROUP
from apps.notifications.models import NotificationKind
from apps.notifications.services import Target
from scholarnet.events import Event, consumer

NOTIFIED_ACTIONS = {"take_down", "restore"}


@consumer(group=GROUP, topics=["moderation.action"], idempotent=True)
def on_moderation_action(event: Event) -> None:
    action = ModerationAction.from_event(event)
    if action.action not in NOTIFIED_ACTIONS or action.author_id is None:
        return
    title = action.title
    if action.target_type == "comment":
        rows = article_public_rows(article_ids=[action.article_id]) if action.article_id else []
        title = rows[0].title if rows else ""
    services.notification_add(
        recipient_id=action.author_id,
        actor_id=action.moderator_id or 0,
        kind=NotificationKind.MODERATION,
        target=Target(
            group_key=f"moderation:{action.audit_id}",
            article_id=action.article_id,
            title=title,
            preview=f"{action.action.replace('_', ' ')}: {action.reason}",
        ),
    )
