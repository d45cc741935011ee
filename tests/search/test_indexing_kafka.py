"""Services mode: the search group reads the events from Kafka (``consume search``)."""

from __future__ import annotations

import uuid

import pytest

from apps.articles import services as articles
from apps.search.backends import get_backend
from scholarnet.events.relay import relay_once
from scholarnet.events.runner import ConsumerRunner
from tests.articles.factories import published_article
from tests.platform.events.kafka_support import run_until
from tests.search.support import found

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _kafka_transport(settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}."
    settings.EVENTS_RELAY_NUDGE = False  # the test relays itself


def test_the_search_group_indexes_and_removes_an_article_through_kafka():
    article = published_article(title="Krylov solvers")
    assert relay_once() >= 1

    run_until(
        ConsumerRunner("search", batch_timeout_ms=200),
        lambda: found(get_backend(), "article", "krylov") == [str(article.pk)],
    )

    articles.article_withdraw(article_id=article.pk, author=article.author)
    assert relay_once() == 1
    run_until(
        ConsumerRunner("search", batch_timeout_ms=200),
        lambda: found(get_backend(), "article", "krylov") == [],
    )
