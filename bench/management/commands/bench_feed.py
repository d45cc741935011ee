"""``manage.py bench_feed``: the feed's bench fixtures and the fan-out figure.

``--reader``: the first generated user follows the authors of the newest public articles until
their articles fill an inbox (``FEED_INBOX_SIZE``, 500), is marked signed in now and gets the
inbox rebuilt; prints ``reader <id>``. ``--fanout N``: N followers (created once, marked signed
in now, each with a built inbox) of one author, one article published by the service, then the
seconds the fan-out task takes from its start to its last inbox write (the relay's and the
queue's latency come on top); prints ``fanout <N> <seconds>``. ``--push-max`` raises
``FEED_PUSH_MAX_FOLLOWERS`` for the run, since 10,000 followers are above the default.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from apps.articles import services as articles
from apps.articles.models import LiveStatus, PublishedArticle
from apps.feed.inbox import inbox_store
from apps.feed.services import feed_fanout, feed_inbox_rebuild
from apps.follows.counters import counters_forget
from apps.follows.models import Follow, FollowStat
from apps.follows.selectors import following_cache_key
from apps.follows.services import follow_stats_recount
from scholarnet.cache import two_level_cache

FANOUT_DOMAIN = "fanout.bench.scholarnet.invalid"
FANOUT_AUTHOR = f"author@{FANOUT_DOMAIN}"


class Command(BaseCommand):
    help = "Prepare the feed bench reader, or measure the fan-out to N followers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reader", action="store_true")
        parser.add_argument("--fanout", type=int, metavar="N")
        parser.add_argument(
            "--push-max",
            type=int,
            help="FEED_PUSH_MAX_FOLLOWERS for this run (10k followers are above the default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reader"]:
            self.stdout.write(f"reader {_reader_prepare()}")
        if options["fanout"]:
            push_max = options["push_max"] or settings.FEED_PUSH_MAX_FOLLOWERS
            with override_settings(FEED_PUSH_MAX_FOLLOWERS=push_max):
                seconds = _fanout_measure(options["fanout"])
            self.stdout.write(f"fanout {options['fanout']} {seconds:.3f}")


def _reader_prepare() -> int:
    users = get_user_model().objects.order_by("pk")
    reader = users.first()
    assert reader is not None, "run bench_data --users first"
    public = (
        PublishedArticle.objects.filter(status=LiveStatus.PUBLISHED)
        .exclude(author=reader)
        .exclude(author__email=FANOUT_AUTHOR)  # the fan-out's author keeps exactly N followers
    )
    authors: list[int] = []
    covered = 0
    for author_id in public.order_by("-publish_seq").values_list("author_id", flat=True)[:20_000]:
        if author_id not in authors:
            authors.append(author_id)
            covered += public.filter(author_id=author_id).count()
        if covered >= settings.FEED_INBOX_SIZE:
            break
    Follow.objects.bulk_create(
        [Follow(follower=reader, followee_id=author_id) for author_id in authors],
        ignore_conflicts=True,
    )
    follow_stats_recount(user_ids=[reader.pk, *authors])
    two_level_cache.invalidate(following_cache_key(reader.pk))  # bulk_create bypassed the service
    users.filter(pk=reader.pk).update(last_login=timezone.now())
    reader.refresh_from_db()
    feed_inbox_rebuild(user=reader)
    return int(reader.pk)


def _fanout_measure(count: int) -> float:
    user_model = get_user_model()
    author, _ = user_model.objects.get_or_create(email=FANOUT_AUTHOR, defaults={"nickname": "Fan"})
    followers = user_model.objects.filter(email__startswith="f", email__endswith=FANOUT_DOMAIN)
    missing = count - followers.count()
    if missing > 0:
        start = followers.count()
        with transaction.atomic():
            user_model.objects.bulk_create(
                [
                    user_model(email=f"f{index:07d}@{FANOUT_DOMAIN}", nickname=f"F{index}")
                    for index in range(start, start + missing)
                ],
                batch_size=1000,
            )
    now = timezone.now()
    followers.update(last_login=now)
    ids = list(followers.order_by("pk").values_list("pk", flat=True)[:count])
    Follow.objects.bulk_create(
        [Follow(follower_id=user_id, followee=author) for user_id in ids],
        batch_size=1000,
        ignore_conflicts=True,
    )
    # Exactly ``count`` followers: an earlier run's reader may have followed the author too,
    # which put them above --push-max and made the fan-out a no-op measured as 0.009 s.
    Follow.objects.filter(followee=author).exclude(follower_id__in=ids).delete()
    FollowStat.objects.filter(pk=author.pk).delete()
    follow_stats_recount(user_ids=[author.pk])
    counters_forget(user_ids=[author.pk])
    for user_id in ids:  # every follower has a built inbox, as active readers do
        inbox_store(user_id=user_id, entries=[], expires_at=now + timedelta(days=1))
    draft = articles.article_create(author=author, title="Fan-out", content="Pushed.", abstract="")
    article = articles.article_publish(article_id=draft.pk, author=author)
    started = time.perf_counter()
    asked = feed_fanout(article_id=article.pk)
    seconds = time.perf_counter() - started
    if asked != count:
        raise CommandError(f"the fan-out reached {asked} followers, not {count}")
    return seconds
