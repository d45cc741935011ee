"""The ``feed`` consumer group: fan-out on publish, inbox merges on follow and unfollow.

The handlers only queue a task; the tasks re-read the current state (is the article public,
is the follow still there), so a duplicate, late or replayed event changes nothing, and they
are registered with ``idempotent=False``. A withdrawn article needs no handler: every read
filters the page's articles against the live store.
"""

from __future__ import annotations

from apps.articles.events import ArticlePublished
from apps.feed import tasks
from apps.follows.events import FollowChanged
from scholarnet.events import Event, consumer

GROUP = "feed"


@consumer(group=GROUP, topics=["article.published"], idempotent=False)
def fanout_article(event: Event) -> None:
    tasks.feed_fanout.delay(int(ArticlePublished.from_event(event).article_id))


@consumer(group=GROUP, topics=["follow.changed"], idempotent=False)
def apply_follow(event: Event) -> None:
    changed = FollowChanged.from_event(event)
    tasks.feed_follow_apply.delay(int(changed.follower_id), int(changed.followee_id))
