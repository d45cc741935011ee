"""``manage.py bench_comments``: an article with N comments, and the comment page's latency.

``--comments N --slot S``: the S-th public article (by id) gets comments until it has N, each
root with ``--replies`` replies (default 4; so N/5 roots), bulk-inserted, its ``comment_count``
moved to match; resumable (it tops up what is there). Prints ``comments <article id> <N>``.
``--measure R --article ID...``: R anonymous requests of each article's first comment page
through Django's test client (no server, no network), printing ``p50``/``p99`` in ms.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test import Client

from apps.articles.models import PublishedArticle
from apps.articles.public import article_public_id_subquery
from apps.comments.models import Comment
from apps.interactions.comment_counts import article_comment_count_add, article_stat_ensure

BATCH = 1_000


class Command(BaseCommand):
    help = "Give an article N comments, or measure the comment page's latency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--comments", type=int)
        parser.add_argument("--slot", type=int, default=0)
        parser.add_argument("--replies", type=int, default=4)
        parser.add_argument("--measure", type=int, metavar="REQUESTS")
        parser.add_argument("--article", type=int, nargs="*", default=[])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["comments"]:
            article_id = _article(options["slot"])
            total = _fill(article_id, options["comments"], options["replies"])
            self.stdout.write(f"comments {article_id} {total}")
        for article_id in options["article"] if options["measure"] else []:
            p50, p99 = _measure(article_id, options["measure"])
            self.stdout.write(f"page {article_id} p50 {p50:.2f} ms p99 {p99:.2f} ms")


def _article(slot: int) -> int:
    ids = PublishedArticle.objects.filter(pk__in=article_public_id_subquery()).order_by("pk")
    found = ids.values_list("pk", flat=True)[slot : slot + 1]
    assert found, "run bench_data first"
    return int(found[0])


def _fill(article_id: int, wanted: int, replies: int) -> int:
    authors = list(get_user_model().objects.order_by("pk").values_list("pk", flat=True)[:200])
    have = Comment.objects.filter(article_id=article_id).count()
    article_stat_ensure(article_id=article_id)
    while have < wanted:
        roots_now = max(1, min(BATCH // (replies + 1), (wanted - have) // (replies + 1)))
        have += _batch(article_id, authors, roots_now, replies)
    return have


def _batch(article_id: int, authors: list[int], roots: int, replies: int) -> int:
    html = "<p>A remark on the proof, with $x^2$.</p>"
    with transaction.atomic():
        made = Comment.objects.bulk_create(
            Comment(
                article_id=article_id,
                author_id=authors[i % len(authors)],
                content="A remark.",
                content_html=html,
                reply_count=replies,
            )
            for i in range(roots)
        )
        if made[0].pk is None:  # MySQL returns no ids from a bulk insert
            roots_of = Comment.objects.filter(article_id=article_id, root__isnull=True)
            made = list(roots_of.order_by("-pk")[:roots])
        Comment.objects.bulk_create(
            Comment(
                article_id=article_id,
                author_id=authors[(root.pk + n) % len(authors)],
                root_id=root.pk,
                parent_id=root.pk,
                content="A reply.",
                content_html="<p>A reply.</p>",
            )
            for root in made
            for n in range(replies)
        )
        added = roots * (replies + 1)
        article_comment_count_add(article_id=article_id, delta=added)
    return added


def _measure(article_id: int, requests: int) -> tuple[float, float]:
    client = Client(HTTP_USER_AGENT="scholarnet-bench/comments", HTTP_HOST="127.0.0.1")
    path = f"/api/v1/articles/{article_id}/comments"
    for _ in range(20):  # warm the caches and the connection
        client.get(path)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[98]
