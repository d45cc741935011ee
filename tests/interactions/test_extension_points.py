"""The provider registry and the typed event payloads every app builds on."""

from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.articles.events import ArticlePublished
from apps.articles.providers import article_counts_providers, counts_get
from apps.interactions import services
from apps.interactions.events import CollectChanged, LikeChanged
from scholarnet.events import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.payloads import WrongEventType
from scholarnet.providers import BulkFieldProviders


def test_each_provider_fills_the_fields_it_owns_and_the_rest_keep_their_defaults():
    calls = []
    registry: BulkFieldProviders[int] = BulkFieldProviders(
        name="counts", defaults={"a": 0, "b": 0, "c": 0}
    )

    def first(*, ids):
        calls.append(("first", ids))
        return {1: {"a": 5, "b": 99}}  # "b" is not first's: ignored

    registry.register(name="first", fields=["a"], provide=first)
    registry.register(
        name="second", fields=["b"], provide=lambda *, ids: {2: {"b": 7}, 9: {"b": 1}}
    )

    assert registry.collect([1, 2]) == {1: {"a": 5, "b": 0, "c": 0}, 2: {"a": 0, "b": 7, "c": 0}}
    assert calls == [("first", [1, 2])]  # one call for the whole page
    assert registry.collect([]) == {}


def test_a_field_has_one_provider_and_must_be_declared():
    registry: BulkFieldProviders[int] = BulkFieldProviders(name="counts", defaults={"a": 0})
    registry.register(name="first", fields=["a"], provide=lambda *, ids: {})

    with pytest.raises(ImproperlyConfigured, match="already provided by first"):
        registry.register(name="second", fields=["a"], provide=lambda *, ids: {})
    with pytest.raises(ImproperlyConfigured, match="unknown fields"):
        registry.register(name="third", fields=["z"], provide=lambda *, ids: {})
    registry.register(name="first", fields=["a"], provide=lambda *, ids: {})  # ready() again


def test_comment_and_review_counts_are_read_with_the_other_counts_from_one_provider(
    monkeypatch,
):
    stored = {
        "like_count": 3,
        "collect_count": 0,
        "read_count": 0,
        "comment_count": 8,
        "review_count": 3,
        "review_rating_sum": 20,
    }
    monkeypatch.setattr(
        "apps.interactions.selectors.counters_get_many",
        lambda *, article_ids, load: {i: dict(stored) for i in article_ids},
    )

    counts = counts_get(article_ids=[4])[4]

    assert (counts.like_count, counts.comment_count) == (3, 8)
    assert (counts.review_count, counts.review_rating_mean) == (3, 6.67)  # the mean when read
    # comment and review counts come with the interactions hash, moved by the comments app
    assert article_counts_providers.provider_names() == ["interactions"]


@pytest.mark.django_db
def test_like_changed_is_read_back_as_it_was_published(reader, article):
    services.article_like(user=reader, article_id=article.pk)
    row = OutboxEvent.objects.get(type="like.changed")

    event = LikeChanged.from_event(Event.from_outbox(row))

    assert row.key == f"article:{article.pk}"
    assert row.version == LikeChanged.VERSION == 1
    assert (event.user_id, event.article_id, event.liked, event.like_count) == (
        reader.pk,
        article.pk,
        True,
        1,
    )
    assert isinstance(event.occurred_at, datetime)
    with pytest.raises(WrongEventType):
        CollectChanged.from_event(Event.from_outbox(row))


@pytest.mark.django_db
def test_article_events_are_typed_at_their_producer(author, article):
    row = OutboxEvent.objects.filter(type="article.published").get()

    event = ArticlePublished.from_event(Event.from_outbox(row))

    assert (event.article_id, event.author_id, event.status) == (
        article.pk,
        author.pk,
        "published",
    )


@pytest.mark.django_db
def test_a_follow_counts_provider_answers_the_public_profile(monkeypatch, client):
    from apps.users.providers import user_follow_counts_providers
    from tests.users.factories import UserFactory

    user = UserFactory()
    monkeypatch.setattr(user_follow_counts_providers, "_providers", {})  # only this test's
    user_follow_counts_providers.register(
        name="follows-test",
        fields=["follower_count"],
        provide=lambda *, ids: {user_id: {"follower_count": 12} for user_id in ids},
    )

    profile = client.get(f"/api/v1/users/{user.pk}").json()

    assert (profile["follower_count"], profile["followee_count"]) == (12, 0)
