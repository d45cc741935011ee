"""``reward.changed`` in the ``notifications`` group: an author hears of each paid tip.

One row per reward (``reward:<id>``, never aggregated: each tip has its own amount), from the
payer, with the amount the author received as the preview. Only the move to ``paid`` notifies;
failures, and refunds, concern the payer and the ledger, not the author's inbox. The title comes
from the article while it is public; money that landed on an article withdrawn since still
notifies, without the title.
"""

from __future__ import annotations

from apps.articles.public import article_public_rows
from apps.notifications import services
from apps.notifications.consumers import GROUP
from apps.notifications.models import NotificationKind
from apps.notifications.services import Target
from apps.rewards.events import RewardChanged
from scholarnet.events import Event, consumer

PAID = "paid"  # apps.rewards.models.RewardStatus.PAID, as the payload carries it


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


@consumer(group=GROUP, topics=["reward.changed"], idempotent=True)
def on_reward_changed(event: Event) -> None:
    reward = RewardChanged.from_event(event)
    if reward.status != PAID or reward.previous_status == PAID:
        return
    rows = article_public_rows(article_ids=[reward.article_id])
    services.notification_add(
        recipient_id=reward.author_id,
        actor_id=reward.payer_id,
        kind=NotificationKind.REWARD,
        target=Target(
            group_key=f"reward:{reward.reward_id}",
            article_id=reward.article_id,
            title=rows[0].title if rows else "",
            preview=f"tipped {yuan(reward.amount)}, {yuan(reward.author_amount)} to you",
        ),
    )
